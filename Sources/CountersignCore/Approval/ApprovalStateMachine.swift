import Foundation

/// The approval lifecycle as a value: pending → approved | rejected | taken_over | expired, exactly
/// once. Methods do no I/O; they return what should happen, and the gateway commits it only if the
/// stored approval is still pending (so two replicas, or two approvers, never both win).
public struct ApprovalStateMachine: Sendable, Hashable {
    public private(set) var status: ApprovalStatus
    public let deadline: Date

    public init(status: ApprovalStatus, deadline: Date) {
        self.status = status
        self.deadline = deadline
    }

    /// The result of asking for a transition.
    public enum Action: Sendable, Hashable {
        /// End the approval in this status.
        case resolve(ApprovalStatus)
        /// Nothing changes, and this is why.
        case refuse(Refusal)
    }

    /// Why a transition was refused.
    public enum Refusal: Sendable, Hashable {
        /// The approval has already ended.
        case notPending(ApprovalStatus)
        /// The deadline has passed; only expiry may end it now.
        case pastDeadline(Date)
        /// The approver may not decide this approval.
        case notAllowed(String)
        /// Expiry was asked for before the deadline.
        case notDue(Date)
    }

    /// A human decides. Refused when the approval has ended, the deadline has passed
    /// (`now >= deadline`), or the approver's rights do not cover it.
    public mutating func decide(_ decision: HumanDecision, at now: Date, refusal: String? = nil) -> Action {
        guard status == .pending else { return .refuse(.notPending(status)) }
        guard now < deadline else { return .refuse(.pastDeadline(deadline)) }
        if let refusal { return .refuse(.notAllowed(refusal)) }
        status = decision.resultingStatus
        return .resolve(status)
    }

    /// The deadline timer asks to expire the approval.
    public mutating func expire(at now: Date) -> Action {
        guard status == .pending else { return .refuse(.notPending(status)) }
        guard now >= deadline else { return .refuse(.notDue(deadline)) }
        status = .expired
        return .resolve(.expired)
    }
}
