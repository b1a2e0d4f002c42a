import CountersignCore
import CountersignStore
import Foundation

/// Admission of proposals: each agent's rate (a token bucket on the gateway's clock) and its quota
/// of pending approvals. A refused proposal is answered 429 with `Retry-After` and changes
/// nothing. A retry of a proposal already stored (same idempotency key) is answered as usual and
/// does not count as a new one: it is looked up only when a limit would refuse it, and a retry
/// that got past the limits gives its token back.
extension Gateway {
    /// Throws when `agent` is over a limit; returns the stored original when the refused proposal
    /// is an idempotent retry of it.
    func admit(_ proposal: Proposal, agent: String, at now: Date) async throws -> Proposed? {
        let limits = admission.limits.limits(for: agent)
        if case .refused(let wait) = admission.take(agent: agent, at: now) {
            if let replay = try await storedOriginal(of: proposal, agent: agent) { return replay }
            let rate = limits.rate ?? .default
            metrics.refused(.rateLimited)
            throw GatewayError(
                .tooManyRequests, code: .rateLimited,
                "agent \(agent) may send \(Self.number(rate.perSecond)) proposals a second (bursts of \(rate.burst)); slow down and retry",
                retryAfter: Self.wholeSeconds(wait))
        }
        guard let maximum = limits.maximumPending else { return nil }
        let load = try await store.pendingLoad(agent: agent)
        guard load.count >= maximum else { return nil }
        if let replay = try await storedOriginal(of: proposal, agent: agent) {
            admission.giveBack(agent: agent, at: now)
            return replay
        }
        metrics.refused(.tooManyPending)
        // Room is made when a human decides one, at the latest when the earliest one expires.
        let wait = load.earliestDeadline.map { $0.timeIntervalSince(now) } ?? 1
        throw GatewayError(
            .tooManyRequests, code: .tooManyPending,
            "agent \(agent) has \(load.count) approvals waiting for a human, its limit (max_pending \(maximum)); retry once some are decided",
            retryAfter: min(Self.wholeSeconds(wait), 3600))
    }

    /// The stored proposal this one retries, as `propose` would answer it.
    private func storedOriginal(of proposal: Proposal, agent: String) async throws -> Proposed? {
        guard let key = proposal.idempotencyKey, let view = try await store.proposal(agent: agent, idempotencyKey: key) else { return nil }
        return try Self.replay(view, of: proposal)
    }

    /// At least one second, rounded up.
    static func wholeSeconds(_ seconds: TimeInterval) -> Int {
        guard seconds.isFinite else { return 1 }
        return max(1, Int(min(seconds, 86400).rounded(.up)))
    }

    /// `50`, `0.5`.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
