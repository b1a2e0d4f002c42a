import CountersignConfig
import CountersignCore
import Foundation
import Testing

/// `serve`'s configuration file: secrets from the environment, errors with line and column.
@Suite struct ServerConfigurationTests {
    let environment = ["BOT_KEY": "bot-key-0123456789abcdef", "ALICE_TOKEN": "alice-token-0123456789ab"]

    @Test func aFullConfigurationIsRead() throws {
        let yaml = """
            policy: {amounts: {approve_over: 250}}
            database: {sqlite: data/countersign.db}
            http: {host: 0.0.0.0, port: 9000, public_url: "https://cs.example.com"}
            agents:
              - {name: support-bot, key_env: BOT_KEY}
            approvers:
              - name: alice
                token_env: ALICE_TOKEN
                email: alice@example.com
                may_approve: {risk_classes: [financial], max_amount: 10000}
            """
        let configuration = try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", directory: "/etc/countersign", environment: environment)
        #expect(configuration.policy.amounts.approveOver == 250)
        #expect(configuration.database == .sqlite(path: "/etc/countersign/data/countersign.db"))
        #expect(configuration.http.host == "0.0.0.0" && configuration.http.port == 9000)
        #expect(configuration.agents == [.init(name: "support-bot", key: "bot-key-0123456789abcdef")])
        #expect(
            configuration.approvers.first?.rights == ApproverRights(riskClasses: ["financial"], maxAmount: AmountLimit(10000, policyCurrency: "USD")))
        #expect(configuration.approvers.first?.email == "alice@example.com")
    }

    @Test func postgresWaitsAreReadFromTheDatabaseSection() throws {
        let configuration = try ServerConfigurationFile.parse(
            yaml: "database: {postgres: \"postgres://u@h/d\", lease_timeout: 2s, answer_timeout: 1m}\n", file: "c.yaml", environment: [:])
        #expect(configuration.database == .postgres(url: "postgres://u@h/d"))
        #expect(configuration.databaseWaits == .init(leaseTimeout: 2, answerTimeout: 60))
        let defaults = try ServerConfigurationFile.parse(yaml: "database: {postgres: \"postgres://u@h/d\"}\n", file: "c.yaml", environment: [:])
        #expect(defaults.databaseWaits == .init(leaseTimeout: 5, answerTimeout: 30))
    }

    @Test(arguments: [
        ("agents:\n  - {name: bot, key_env: MISSING}\n", 2, 26, "MISSING is not set"),
        ("agents:\n  - {name: bot}\n", 2, 5, "key_env is required"),
        ("http: {port: 70000}\n", 1, 14, "between 0 and 65535"),
        ("database: {sqlite: a.db, postgres: b}\n", 1, 11, "exactly one"),
        ("database: {sqlite: a.db, lease_timeout: 2s}\n", 1, 26, "PostgreSQL only"),
        ("database: {postgres: b, answer_timeout: soon}\n", 1, 41, "must be a duration"),
        ("listen: 8080\n", 1, 1, "unknown key 'listen'"),
        ("approvers:\n  - {name: a, token_env: SHORT}\n", 2, 26, "shorter than 16"),
        ("policy: {risk_classes: {financial: {auto: 2}}}\n", 1, 43, "between 0 and 1"),
    ])
    func badConfigurationsAreRefusedWithLineAndColumn(yaml: String, line: Int, column: Int, fragment: String) throws {
        let environment = ["SHORT": "s3cr3t"]
        let error = try #require(throws: ConfigError.self) {
            try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", environment: environment)
        }
        let issue = try #require(error.issues.first)
        #expect(issue.message.contains(fragment), "\(issue)")
        #expect(issue.line == line && issue.column == column, "\(issue)")
        // A secret never appears in an error.
        #expect(!error.description.contains("s3cr3t"))
    }

    @Test func twoCredentialsMayNotShareASecret() throws {
        let yaml = "agents:\n  - {name: a, key_env: BOT_KEY}\n  - {name: b, key_env: BOT_KEY}\n"
        let error = try #require(throws: ConfigError.self) {
            try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", environment: environment)
        }
        #expect(error.description.contains("unique"))
    }
}
