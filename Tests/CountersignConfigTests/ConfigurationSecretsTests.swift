import CountersignConfig
import CountersignCore
import Foundation
import Testing

/// Every secret a configuration holds describes itself as `<redacted>`, however it is printed.
@Suite struct ConfigurationSecretsTests {
    static let secrets = [
        "A_KEY": "agent-key-AAAA-0123456789", "A_HOOK": "whsec_c2VjcmV0LXdlYmhvb2stYnl0ZXMtMDEyMzQ1Njc4OQ==",
        "ALICE_TOKEN": "alice-token-BBBB-0123456789", "SLACK_BOT": "xoxb-slack-bot-CCCC-0123456789",
        "SLACK_SIGNING": "slack-signing-DDDD-0123456789", "SMTP_USER": "mailer", "SMTP_PASSWORD": "smtp-password-EEEE-0123456789",
        "LINK_SECRET": "email-link-secret-FFFF-0123456789", "TWILIO_TOKEN": "twilio-auth-token-GGGG-0123456789",
    ]

    static let yaml = """
        database: {postgres: "postgres://countersign:pg-password-HHHH-0123456789@db.internal/countersign"}
        http: {public_url: "https://cs.example.com"}
        agents:
          - {name: bot, key_env: A_KEY, webhook: {url: "https://agent.example.com/hook", secret_env: A_HOOK}}
        approvers:
          - {name: alice, token_env: ALICE_TOKEN, email: alice@example.com, slack_user: U1, phone: "+15551230001"}
        channels:
          slack: {bot_token_env: SLACK_BOT, signing_secret_env: SLACK_SIGNING}
          email:
            smtp: {host: smtp.example.com, username_env: SMTP_USER, password_env: SMTP_PASSWORD}
            from: "Countersign <cs@example.com>"
            link_secret_env: LINK_SECRET
          sms: {twilio: {account_sid: AC0123456789abcdef0123456789abcdef, auth_token_env: TWILIO_TOKEN, from: "+15550000000"}}
        """

    @Test func noPrintedFormOfTheConfigurationShowsASecret() throws {
        let configuration = try ServerConfigurationFile.parse(yaml: Self.yaml, file: "c.yaml", environment: Self.secrets)
        var dumped = ""
        dump(configuration, to: &dumped)
        let forms = [
            "\(configuration)", String(reflecting: configuration), dumped, "\(configuration.channels)", "\(configuration.agents)",
            "\(configuration.database)", String(reflecting: configuration.channels.email as Any),
        ]
        let values = Self.secrets.filter { $0.key != "SMTP_USER" }.map(\.value) + ["pg-password-HHHH-0123456789"]
        for form in forms {
            for value in values { #expect(!form.contains(value), "\(value) in \(form.prefix(200))…") }
            // …nor as the byte arrays a [UInt8] key would print as.
            #expect(!form.contains(Array("agent-key-AAAA".utf8).map(String.init).joined(separator: ", ")))
        }
        #expect(dumped.contains("<redacted>"))
        // The values are all there for the code that needs them.
        #expect(configuration.channels.slack?.botToken.revealed == Self.secrets["SLACK_BOT"])
        #expect(configuration.channels.email?.password?.revealed == Self.secrets["SMTP_PASSWORD"])
        #expect(configuration.agents.first?.webhook?.secret.revealed == Self.secrets["A_HOOK"])
    }

    @Test func aSecretDescribesItselfRedactedEveryWay() {
        let secret = Secret("hunter2-0123456789abcdef")
        var dumped = ""
        dump(secret, to: &dumped)
        let mirror = Mirror(reflecting: secret)
        for form in ["\(secret)", String(describing: secret), String(reflecting: secret), dumped, "\([secret])", "\(Optional(secret) as Any)"] {
            #expect(form.contains("<redacted>"), "\(form)")
            #expect(!form.contains("hunter2"), "\(form)")
        }
        #expect(mirror.children.isEmpty)
        #expect(Secret(bytes: [1, 2, 3]).revealedBytes == [1, 2, 3])
        #expect(secret == Secret("hunter2-0123456789abcdef") && secret != Secret("hunter3-0123456789abcdef") && secret != Secret("short"))
    }
}
