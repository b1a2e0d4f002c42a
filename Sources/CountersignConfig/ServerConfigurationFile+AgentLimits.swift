import CountersignCore
import Yams

extension ServerConfigurationFile {
    /// An agent's `max_pending: 500` (or `unlimited`) and `rate: {per_second: 50, burst: 100}` (or
    /// `unlimited`); either left out takes `defaults` (the configuration's `agent_limits`).
    static func readAgentLimits(
        _ members: [(key: String, keyNode: Node, value: Node)], _ reader: inout YAMLReader, defaults: AgentLimits = AgentLimits()
    ) -> AgentLimits {
        var limits = defaults
        for (key, _, value) in members {
            switch key {
            case "max_pending":
                if isUnlimited(value) {
                    limits.maximumPending = nil
                } else if let maximum = reader.integer(value, "agents[].max_pending (or unlimited)", minimum: 1) {
                    limits.maximumPending = maximum
                }
            case "rate":
                if isUnlimited(value) {
                    limits.rate = nil
                } else if let rate = readRate(value, &reader) {
                    limits.rate = rate
                }
            default: break
            }
        }
        return limits
    }

    /// `{per_second: 50, burst: 100}`; `burst` defaults to twice `per_second` (at least 1).
    private static func readRate(_ node: Node, _ reader: inout YAMLReader) -> AgentLimits.Rate? {
        guard let members = reader.mapping(node, "agents[].rate", allowed: ["per_second", "burst"]) else { return nil }
        var perSecond: Double?
        var burst: Int?
        var valid = true
        for (key, _, value) in members {
            if key == "per_second" {
                guard let text = value.scalar?.string, let number = Double(text), number.isFinite, number > 0, number <= 1_000_000 else {
                    reader.record(value, "agents[].rate.per_second must be a number of proposals per second above 0 (at most 1000000)")
                    valid = false
                    continue
                }
                perSecond = number
            } else if let count = reader.integer(value, "agents[].rate.burst", minimum: 1) {
                burst = count
            } else {
                valid = false
            }
        }
        guard valid else { return nil }
        guard let perSecond else {
            reader.record(node, "agents[].rate needs per_second (proposals per second), or rate: unlimited")
            return nil
        }
        return AgentLimits.Rate(perSecond: perSecond, burst: burst ?? max(1, Int((perSecond * 2).rounded(.up))))
    }

    private static func isUnlimited(_ node: Node) -> Bool {
        node.scalar?.string == "unlimited"
    }
}
