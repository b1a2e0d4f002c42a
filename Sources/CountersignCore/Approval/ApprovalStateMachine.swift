import Foundation

/// The approval lifecycle as a value: pending → approved | rejected | taken_over | expired, exactly
/// once. Methods do no I/O; they return what should happen, and the gateway commits it only if the
/// stored approval is still pending (so two replicas, or two approvers, never both win).
public struct ApprovalStateMachine: Sendable, Hashable {
    public private(set) var status: ApprovalStatus
    public let deadline: Date
    /// 2 when four eyes are required: two different approvers must approve.
    public let requiredApprovals: Int
    /// Who gave the first of two approvals.
    public private(set) var firstApprover: String?

    public init(status: ApprovalStatus, deadline: Date, requiredApprovals: Int = 1, firstApprover: String? = nil) {
        self.status = status
        self.deadline = deadline
        self.requiredApprovals = requiredApprovals
        self.firstApprover = firstApprover
    }

    /// The result of asking for a transition.
    public enum Action: Sendable, Hashable {
        /// End the approval in this status.
        case resolve(ApprovalStatus)
        /// Record the first of two approvals; the approval stays pending for a second approver.
        case recordFirstApproval
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
        /// Four eyes: the approver who gave the first approval cannot give the second.
        case sameApprover(String)
        /// The operation's policy does not offer this decision (`operations.<name>.decisions`);
        /// carries the decisions it offers.
        case notOffered(HumanDecision, offered: [HumanDecision])
    }

    /// A human decides. Refused when the approval has ended, the deadline has passed
    /// (`now >= deadline`), the operation does not offer the decision (`offered`), or the
    /// approver's rights do not cover it. With four eyes, the first
    /// approval is recorded and the approval waits for a different approver; a rejection or a
    /// take-over by anyone ends it at once.
    public mutating func decide(
        _ decision: HumanDecision, by approver: String, at now: Date, refusal: String? = nil, offered: [HumanDecision] = HumanDecision.allCases
    ) -> Action {
        guard status == .pending else { return .refuse(.notPending(status)) }
        guard now < deadline else { return .refuse(.pastDeadline(deadline)) }
        guard offered.contains(decision) else { return .refuse(.notOffered(decision, offered: offered)) }
        if let refusal { return .refuse(.notAllowed(refusal)) }
        if decision == .approve, requiredApprovals > 1 {
            guard let firstApprover else {
                firstApprover = approver
                return .recordFirstApproval
            }
            if firstApprover == approver { return .refuse(.sameApprover(approver)) }
        }
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
