import CountersignConfig
import CountersignCore
import Foundation
import Testing

/// `agents[].max_pending` and `agents[].rate`, with their defaults, and `http.idle_timeout`.
@Suite struct AgentLimitsConfigurationTests {
    let environment = ["A_KEY": "agent-a-key-0123456789", "B_KEY": "agent-b-key-0123456789", "C_KEY": "agent-c-key-0123456789"]

    @Test func limitsAreReadPerAgentWithDefaults() throws {
        let yaml = """
            http: {idle_timeout: 15s}
            agents:
              - {name: a, key_env: A_KEY}
              - {name: b, key_env: B_KEY, max_pending: 2000, rate: {per_second: 200, burst: 400}}
              - {name: c, key_env: C_KEY, max_pending: unlimited, rate: {per_second: 0.5}}
            """
        let configuration = try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", environment: environment)
        let limits = Dictionary(uniqueKeysWithValues: configuration.agents.map { ($0.name, $0.limits) })
        #expect(limits["a"] == AgentLimits(maximumPending: 500, rate: .init(perSecond: 50, burst: 100)))
        #expect(limits["b"] == AgentLimits(maximumPending: 2000, rate: .init(perSecond: 200, burst: 400)))
        // burst defaults to twice the rate, at least 1.
        #expect(limits["c"] == AgentLimits(maximumPending: nil, rate: .init(perSecond: 0.5, burst: 1)))
        #expect(configuration.http.idleTimeout == 15)
        #expect(ServerConfiguration().http.idleTimeout == 60)
    }

    @Test func rateUnlimitedTurnsTheRateOff() throws {
        let configuration = try ServerConfigurationFile.parse(
            yaml: "agents:\n  - {name: a, key_env: A_KEY, rate: unlimited}\n", file: "c.yaml", environment: environment)
        #expect(configuration.agents.first?.limits == AgentLimits(maximumPending: 500, rate: nil))
    }

    @Test func agentLimitsAreEveryAgentsDefaultsWhereverTheyStand() throws {
        let yaml = """
            agents:
              - {name: a, key_env: A_KEY}
              - {name: b, key_env: B_KEY, rate: {per_second: 5}}
            agent_limits: {max_pending: 20, rate: unlimited}
            """
        let configuration = try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", environment: environment)
        let limits = Dictionary(uniqueKeysWithValues: configuration.agents.map { ($0.name, $0.limits) })
        #expect(limits["a"] == AgentLimits(maximumPending: 20, rate: nil))
        #expect(limits["b"] == AgentLimits(maximumPending: 20, rate: .init(perSecond: 5, burst: 10)))
        // Agents the file does not name (the trial agent) take them too.
        #expect(configuration.agentLimits == AgentLimits(maximumPending: 20, rate: nil))
        #expect(ServerConfiguration().agentLimits == AgentLimits())
    }

    @Test(arguments: [
        ("agent_limits: {max_pending: 0}\n", 1, 29, "max_pending"),
        ("agent_limits: {quota: 5}\n", 1, 16, "quota"),
        ("agents:\n  - {name: a, key_env: A_KEY, max_pending: 0}\n", 2, 44, "max_pending"),
        ("agents:\n  - {name: a, key_env: A_KEY, max_pending: lots}\n", 2, 44, "whole number"),
        ("agents:\n  - {name: a, key_env: A_KEY, rate: {per_second: 0}}\n", 2, 50, "above 0"),
        ("agents:\n  - {name: a, key_env: A_KEY, rate: {per_second: .nan}}\n", 2, 50, "above 0"),
        ("agents:\n  - {name: a, key_env: A_KEY, rate: {burst: 5}}\n", 2, 37, "needs per_second"),
        ("agents:\n  - {name: a, key_env: A_KEY, rate: {per_second: 5, burst: 0}}\n", 2, 60, "burst"),
        ("agents:\n  - {name: a, key_env: A_KEY, rate: {per_minute: 5}}\n", 2, 38, "per_minute"),
        ("http: {idle_timeout: forever}\n", 1, 22, "duration"),
    ])
    func badLimitsAreRefusedWithLineAndColumn(yaml: String, line: Int, column: Int, fragment: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", environment: environment)
        }
        let issue = try #require(error.issues.first { $0.message.contains(fragment) }, "\(error)")
        #expect(issue.line == line && issue.column == column, "\(issue)")
    }
}
