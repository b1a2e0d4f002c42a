import CountersignConfig
import CountersignCore
import Foundation
import Testing

/// `channels.slack` and `routing:` in `serve`'s configuration.
@Suite struct ChannelsConfigurationTests {
    let environment = [
        "ALICE_TOKEN": "alice-token-0123456789ab", "BOB_TOKEN": "bob-token-0123456789abcd", "SLACK_BOT_TOKEN": "xoxb-0123456789-abcdefghij",
        "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
    ]

    static let approvers = """
        approvers:
          - {name: alice, token_env: ALICE_TOKEN, slack_user: U024BE7LH, email: alice@example.com}
          - {name: bob, token_env: BOB_TOKEN, email: bob@example.com}

        """

    @Test func slackAndRoutingAreRead() throws {
        let yaml =
            Self.approvers + """
                channels:
                  slack: {bot_token_env: SLACK_BOT_TOKEN, signing_secret_env: SLACK_SIGNING_SECRET, channel: "#approvals", api_url: "http://127.0.0.1:9/api"}
                routing:
                  groups: {finance: [alice, bob]}
                  routes:
                    - match: {risk_classes: [financial], operations: [refund], amount_over: 100}
                      steps:
                        - {groups: [finance], channels: [slack, email], wait: 10m}
                        - {approvers: [alice], channels: [sms, slack]}
                  digest: {every: 2h, channels: [slack]}
                  caps: {pushes_per_hour: 20}
                """
        let configuration = try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", environment: environment)
        let slack = try #require(configuration.channels.slack)
        #expect(slack.botToken == "xoxb-0123456789-abcdefghij")
        #expect(slack.signingSecret == "8f742231b10e8888abcd99yyyzzz85a5")
        #expect(slack.channel == "#approvals" && slack.apiURL == "http://127.0.0.1:9/api")
        #expect(configuration.approvers.first?.slackUser == "U024BE7LH")
        let routing = configuration.routing
        #expect(routing.groups == ["finance": ["alice", "bob"]])
        #expect(routing.routes.count == 1)
        #expect(
            routing.routes[0].match == .init(riskClasses: ["financial"], operations: ["refund"], amountOver: AmountLimit(100, policyCurrency: "USD")))
        #expect(
            routing.routes[0].steps == [
                .init(groups: ["finance"], channels: [.slack, .email], wait: 600), .init(approvers: ["alice"], channels: [.sms, .slack]),
            ])
        #expect(routing.digest == .init(every: 7200, channels: [.slack]))
        #expect(routing.caps.pushesPerHour == 20)
    }

    @Test(arguments: [
        ("channels:\n  slack: {bot_token_env: SLACK_BOT_TOKEN}\n", 5, 10, "signing_secret_env is required"),
        ("channels:\n  slack: {bot_token_env: NOPE, signing_secret_env: SLACK_SIGNING_SECRET}\n", 5, 26, "NOPE is not set"),
        ("channels:\n  teams: {}\n", 5, 3, "unknown key 'teams'"),
        (
            "channels:\n  slack: {bot_token_env: SLACK_BOT_TOKEN, signing_secret_env: SLACK_SIGNING_SECRET, api_url: ftp://x}\n", 5, 94,
            "api_url must be an http"
        ),
        ("routing:\n  groups: {finance: [alice, mallory]}\n", 5, 29, "mallory, who is not an approver"),
        ("routing:\n  routes:\n    - steps: [{groups: [ops]}]\n", 6, 25, "group ops is not defined"),
        ("routing:\n  routes:\n    - steps: [{approvers: [zed]}]\n", 6, 28, "zed is not an approver"),
        ("routing:\n  routes:\n    - steps: [{approvers: [bob], channels: [pager]}]\n", 6, 45, "unknown channel pager"),
        ("routing:\n  routes:\n    - steps: [{approvers: [bob], wait: soon}]\n", 6, 40, "must be a duration"),
        ("routing:\n  routes:\n    - match: {operations: [refund]}\n", 6, 7, "at least one step"),
        ("routing:\n  routes:\n    - steps: [{channels: [slack]}]\n", 6, 15, "needs groups or approvers"),
        ("routing:\n  caps: {pushes_per_hour: 0}\n", 5, 27, "pushes_per_hour"),
    ])
    func badChannelsAndRoutingAreRefused(tail: String, line: Int, column: Int, fragment: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try ServerConfigurationFile.parse(yaml: Self.approvers + tail, file: "c.yaml", environment: environment)
        }
        let issue = try #require(error.issues.first)
        #expect(issue.message.contains(fragment), "\(issue)")
        #expect(issue.line == line && issue.column == column, "\(issue.line):\(issue.column)")
        #expect(!error.description.contains("xoxb-0123456789"))
    }
}
