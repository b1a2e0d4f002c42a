import Foundation

/// Why a guarded action was not executed.
public enum FallbackReason: String, Sendable, Hashable {
    /// The policy escalated the proposal to a human.
    case escalated
    /// A human rejected it.
    case rejected
    /// A human took the case over.
    case takenOver = "taken_over"
    /// Nobody decided before the deadline.
    case expired
    /// The wait ended while the approval was still pending.
    case stillPending = "still_pending"
}

/// The safe action to take instead of the guarded one, and why.
public struct Fallback: Sendable, Hashable {
    /// The fallback text (the proposal's, or the policy's default).
    public var text: String
    /// Why the action was not executed.
    public var reason: FallbackReason
    /// The verdict.
    public var verdict: Verdict
    /// The approval as it stood at the end, when the verdict held the proposal.
    public var approval: Approval?

    /// The same answer as a typed error (`.escalated`, `.rejected`, `.takenOver`, `.expired`, `.stillPending`).
    public var error: CountersignError {
        guard let approval else { return .escalated(verdict) }
        switch reason {
        case .escalated: return .escalated(verdict)
        case .rejected: return .rejected(approval)
        case .takenOver: return .takenOver(approval)
        case .expired: return .expired(approval)
        case .stillPending: return .stillPending(approval)
        }
    }
}

/// What `guarded` did: executed the action (and returns its value), or took the fallback.
public enum Guarded<Value: Sendable>: Sendable {
    /// The verdict (`auto`, `notify`) or a human (`approved`) allowed the action; it ran.
    case executed(Value, verdict: Verdict)
    /// The action did not run; take the fallback.
    case fallback(Fallback)

    /// The executed value, or the fallback as a thrown `CountersignError`.
    public func get() throws -> Value {
        switch self {
        case .executed(let value, _): return value
        case .fallback(let fallback): throw fallback.error
        }
    }
}

extension CountersignClient {
    /// Proposes an action and runs `execute` only when allowed: at once when the verdict is `auto`
    /// or `notify`; after a human approves when it is `approve`. Otherwise returns the fallback
    /// without running it: `escalate` (no waiting), `rejected`, `taken_over`, `expired`, or still
    /// pending when `timeout` passes (the proposal stays until its deadline; propose the same
    /// value again later to reattach to it).
    ///
    /// With `reportOutcome` (the default), the outcome is reported after running: `succeeded`
    /// when `execute` returns, `failed` when it throws (the error is then rethrown). A failed
    /// report never hides the action's result.
    ///
    /// - Throws: what `propose` and `wait` throw (`.network`, `.refused`: the action did not run,
    ///   fail closed), what `execute` throws, `CancellationError`.
    public func guarded<Value: Sendable>(
        _ proposal: Proposal, waitingUpTo timeout: Duration = .seconds(300), reportOutcome: Bool = true,
        execute: @Sendable () async throws -> Value
    ) async throws -> Guarded<Value> {
        let verdict = try await propose(proposal)
        let fallbackText = { (approval: Approval?) in
            approval?.fallback ?? verdict.approval?.fallback ?? proposal.fallback ?? ""
        }
        switch verdict.level {
        case .auto, .notify:
            break
        case .escalate:
            return .fallback(Fallback(text: fallbackText(nil), reason: .escalated, verdict: verdict, approval: nil))
        case .approve:
            guard let held = verdict.approval else { throw CountersignError.invalidResponse("an approve verdict without its approval") }
            let approval = try await wait(for: held.id, timeout: timeout)
            let reasons: [ApprovalStatus: FallbackReason] = [
                .pending: .stillPending, .rejected: .rejected, .takenOver: .takenOver, .expired: .expired,
            ]
            if let reason = reasons[approval.status] {
                return .fallback(Fallback(text: fallbackText(approval), reason: reason, verdict: verdict, approval: approval))
            }
        }
        let value: Value
        do {
            value = try await execute()
        } catch {
            if reportOutcome { try? await report(outcome: .failed, detail: String(describing: type(of: error)), for: verdict.proposalID) }
            throw error
        }
        if reportOutcome { try? await report(outcome: .succeeded, for: verdict.proposalID) }
        return .executed(value, verdict: verdict)
    }
}
