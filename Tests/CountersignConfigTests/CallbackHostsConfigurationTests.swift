import CountersignConfig
import Foundation
import Testing

/// `webhook.callback_hosts` entries name a host and, optionally, a port; the webhook URL's own
/// host and port are always allowed; malformed entries are refused with line and column.
@Suite struct CallbackHostsConfigurationTests {
    let environment = ["BOT_KEY": "bot-key-0123456789abcdef", "HOOK_SECRET": "whsec_" + Data(repeating: 7, count: 24).base64EncodedString()]

    func parse(_ webhook: String) throws -> ServerConfiguration {
        try ServerConfigurationFile.parse(
            yaml: "agents:\n  - name: bot\n    key_env: BOT_KEY\n    webhook: \(webhook)\n", file: "c.yaml", environment: environment)
    }

    @Test func entriesAreReadWithTheirPorts() throws {
        let configuration = try parse(
            #"{url: "https://Agent.Example.com:8443/hook", secret_env: HOOK_SECRET, callback_hosts: [Hooks.Example.com., "hooks.example.com:9000", "[::1]:7000"]}"#
        )
        #expect(
            configuration.agents.first?.webhook?.callbackHosts == [
                "agent.example.com:8443", "hooks.example.com", "hooks.example.com:9000", "[::1]:7000",
            ])
    }

    @Test(arguments: [
        #"{secret_env: HOOK_SECRET, callback_hosts: ["hooks.example.com:x"]}"#,
        #"{secret_env: HOOK_SECRET, callback_hosts: ["https://hooks.example.com"]}"#,
        #"{secret_env: HOOK_SECRET, callback_hosts: ["user@hooks.example.com"]}"#,
        #"{secret_env: HOOK_SECRET, callback_hosts: ["hooks.example.com:0"]}"#,
        #"{url: "https://user:pw@agent.example.com/hook", secret_env: HOOK_SECRET}"#,
    ])
    func malformedEntriesAreRefused(webhook: String) throws {
        let error = try #require(throws: ConfigError.self) { try parse(webhook) }
        let issue = try #require(error.issues.first)
        #expect(issue.message.contains("callback_hosts entries must be") || issue.message.contains("webhook.url must be"), "\(issue)")
        #expect(issue.line == 4, "\(issue)")
    }
}
