import CountersignCore
import Foundation
import Synchronization

/// Each agent's share of the gateway: its limits (``AgentLimits``) and its token bucket. The
/// gateway asks it before every proposal (one door: the API and every adapter propose through
/// `Gateway.propose`). Buckets live in this process: with several replicas, each enforces the
/// rate on its own, while the pending quota is counted in the shared store.
public final class ProposalAdmission: Sendable {
    /// Limits by agent name, and those of any agent not named.
    public struct Limits: Sendable, Hashable {
        public var byAgent: [String: AgentLimits]
        public var otherwise: AgentLimits

        public init(byAgent: [String: AgentLimits] = [:], otherwise: AgentLimits = AgentLimits()) {
            self.byAgent = byAgent
            self.otherwise = otherwise
        }

        /// No agent is limited.
        public static let unlimited = Limits(otherwise: .unlimited)

        public func limits(for agent: String) -> AgentLimits { byAgent[agent] ?? otherwise }
    }

    public let limits: Limits
    /// Only authenticated agents have buckets, so there are as many as there are agents.
    private let buckets = Mutex([String: TokenBucket]())

    public init(limits: Limits = .unlimited) {
        self.limits = limits
    }

    /// Takes one of `agent`'s tokens at `now`; always admitted without a rate.
    func take(agent: String, at now: Date) -> TokenBucket.Admission {
        guard let rate = limits.limits(for: agent).rate else { return .admitted }
        return buckets.withLock { buckets in
            var bucket = buckets[agent].flatMap { $0.rate == rate ? $0 : nil } ?? TokenBucket(rate: rate)
            let admission = bucket.take(at: now)
            buckets[agent] = bucket
            return admission
        }
    }

    /// Returns the token a replayed (not new) proposal took.
    func giveBack(agent: String, at now: Date) {
        guard limits.limits(for: agent).rate != nil else { return }
        buckets.withLock { buckets in buckets[agent]?.giveBack(at: now) }
    }
}
