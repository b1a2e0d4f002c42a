import CountersignConfig
import CountersignCore
import Foundation
import Testing

/// `channels.email` and `channels.sms`: secrets from the environment, errors with line and column.
@Suite struct ChannelConfigurationTests {
    let environment = [
        "SMTP_USER": "mailer", "SMTP_PASSWORD": "mail-password-123", "LINK_SECRET": "link-secret-0123456789abcdef",
        "TWILIO_AUTH_TOKEN": "twilio-token-0123456789abcdef",
    ]

    @Test func emailAndSMSAreRead() throws {
        let yaml = """
            http: {public_url: "https://cs.example.com"}
            channels:
              email:
                smtp: {host: smtp.example.com, port: 2525, starttls: when_offered, username_env: SMTP_USER, password_env: SMTP_PASSWORD, trust_roots: ca.pem, timeout: 20s}
                from: "Countersign <countersign@example.com>"
                link_secret_env: LINK_SECRET
              sms:
                twilio: {account_sid: AC0123456789abcdef0123456789abcdef, auth_token_env: TWILIO_AUTH_TOKEN, from: "+15550000000", api_url: "http://127.0.0.1:9999"}
            """
        let configuration = try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", directory: "/etc/cs", environment: environment)
        #expect(
            configuration.channels.email
                == .init(
                    host: "smtp.example.com", port: 2525, startTLS: "when_offered", username: "mailer", password: "mail-password-123",
                    trustRootsFile: "/etc/cs/ca.pem", timeout: 20, from: "Countersign <countersign@example.com>",
                    linkSecret: "link-secret-0123456789abcdef"))
        #expect(
            configuration.channels.sms
                == .init(
                    accountSID: "AC0123456789abcdef0123456789abcdef", authToken: "twilio-token-0123456789abcdef", from: "+15550000000",
                    apiURL: "http://127.0.0.1:9999"))
    }

    @Test(arguments: [
        (
            "channels: {email: {smtp: {host: h, starttls: maybe}, from: a@b.c, link_secret_env: LINK_SECRET}}\n",
            "one of required, when_offered, never"
        ),
        ("channels: {email: {smtp: {host: h}, from: a@b.c, link_secret_env: NOPE}}\n", "NOPE is not set"),
        ("channels: {email: {smtp: {host: h}, from: a@b.c}}\n", "link_secret_env is required"),
        ("channels: {email: {smtp: {host: h, username_env: SMTP_USER}, from: a@b.c, link_secret_env: LINK_SECRET}}\n", "both username_env"),
        ("channels: {email: {smtp: {host: h}, from: nobody, link_secret_env: LINK_SECRET}}\n", "must be an address"),
        ("channels: {email: {from: a@b.c, link_secret_env: LINK_SECRET}}\n", "needs smtp.host"),
        ("channels: {email: {smtp: {host: h}, from: a@b.c, link_secret_env: LINK_SECRET}}\n", "needs http.public_url"),
        ("channels: {sms: {twilio: {account_sid: nope, auth_token_env: TWILIO_AUTH_TOKEN, from: '+15550000000'}}}\n", "account SID"),
        ("channels: {sms: {twilio: {account_sid: AC0123456789abcdef0123456789abcdef, auth_token_env: TWILIO_AUTH_TOKEN, from: '555'}}}\n", "E.164"),
        ("channels: {pager: {}}\n", "unknown key 'pager'"),
        ("approvers:\n  - {name: a, token_env: LINK_SECRET, phone: '555-1234'}\n", "E.164"),
    ])
    func badChannelsAreRefused(yaml: String, fragment: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", environment: environment)
        }
        #expect(error.issues.contains { $0.message.contains(fragment) && $0.line >= 1 }, "\(error)")
        for secret in environment.values { #expect(!error.description.contains(secret)) }
    }
}
