import CountersignCore
import Foundation

/// A decided proposal as stored: what the agent sent, what the policy said, and what happened after.
public struct ProposalRecord: Sendable, Hashable {
    public var id: String
    public var proposal: Proposal
    public var verdict: Verdict
    /// When the gateway received it (the server's clock).
    public var createdAt: Date
    public var outcome: OutcomeRecord?

    public init(id: String, proposal: Proposal, verdict: Verdict, createdAt: Date, outcome: OutcomeRecord? = nil) {
        self.id = id
        self.proposal = proposal
        self.verdict = verdict
        self.createdAt = createdAt
        self.outcome = outcome
    }
}

/// What the agent (or an approver) reported after execution.
public struct OutcomeRecord: Sendable, Hashable {
    public var outcome: Outcome
    public var detail: String?
    public var reportedBy: String
    public var at: Date

    public init(outcome: Outcome, detail: String?, reportedBy: String, at: Date) {
        self.outcome = outcome
        self.detail = detail
        self.reportedBy = reportedBy
        self.at = at
    }
}

/// The durable record of a held proposal.
public struct ApprovalRecord: Sendable, Hashable {
    public var id: String
    public var proposalID: String
    public var status: ApprovalStatus
    public var deadline: Date
    /// The safe action when the answer is no, or no answer comes.
    public var fallback: String
    public var createdAt: Date
    public var decidedBy: String?
    public var decidedAt: Date?
    public var comment: String?
    /// 2 when two different approvers must approve (four eyes).
    public var requiredApprovals: Int
    /// The first of two approvals, while the second is awaited (and after).
    public var firstApprovedBy: String?
    public var firstApprovedAt: Date?
    /// When the agent used the approved action (`consume`), and which agent: an approval is used once.
    public var consumedAt: Date?
    public var consumedBy: String?

    public init(
        id: String, proposalID: String, status: ApprovalStatus, deadline: Date, fallback: String, createdAt: Date,
        decidedBy: String? = nil, decidedAt: Date? = nil, comment: String? = nil, requiredApprovals: Int = 1,
        firstApprovedBy: String? = nil, firstApprovedAt: Date? = nil, consumedAt: Date? = nil, consumedBy: String? = nil
    ) {
        self.id = id
        self.proposalID = proposalID
        self.status = status
        self.deadline = deadline
        self.fallback = fallback
        self.createdAt = createdAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.comment = comment
        self.requiredApprovals = requiredApprovals
        self.firstApprovedBy = firstApprovedBy
        self.firstApprovedAt = firstApprovedAt
        self.consumedAt = consumedAt
        self.consumedBy = consumedBy
    }

    /// The lifecycle as a pure state machine, starting from this record.
    public var stateMachine: ApprovalStateMachine {
        ApprovalStateMachine(status: status, deadline: deadline, requiredApprovals: requiredApprovals, firstApprover: firstApprovedBy)
    }
}

/// An approval with the proposal it holds: what the API and the console show.
public struct ApprovalView: Sendable, Hashable {
    public var approval: ApprovalRecord
    public var proposal: ProposalRecord

    public init(approval: ApprovalRecord, proposal: ProposalRecord) {
        self.approval = approval
        self.proposal = proposal
    }

    /// This view once a store has ended the approval as `status` (times at the store's precision).
    public func resolved(_ status: ApprovalStatus, by: String, at: Date, comment: String?) -> ApprovalView {
        var view = self
        view.approval.status = status
        view.approval.decidedBy = by
        view.approval.decidedAt = Millis.date(Millis.from(at))
        view.approval.comment = comment
        return view
    }

    /// This view once a store has recorded the first of two approvals.
    public func firstApprovalRecorded(by: String, at: Date) -> ApprovalView {
        var view = self
        view.approval.firstApprovedBy = by
        view.approval.firstApprovedAt = Millis.date(Millis.from(at))
        return view
    }
}

/// A proposal and, when it was held, its approval.
public struct ProposalView: Sendable, Hashable {
    public var proposal: ProposalRecord
    public var approval: ApprovalRecord?

    public init(proposal: ProposalRecord, approval: ApprovalRecord?) {
        self.proposal = proposal
        self.approval = approval
    }
}

/// Where a page of approvals ends: the next page starts after it.
public struct ApprovalCursor: Sendable, Hashable {
    public var createdAt: Date
    public var id: String

    public init(createdAt: Date, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    /// `"<milliseconds>.<id>"`, opaque to clients.
    public var token: String { "\(Millis.from(createdAt)).\(id)" }

    public init?(token: String) {
        guard let dot = token.firstIndex(of: "."), let millis = Int64(token[..<dot]), Millis.range.contains(millis) else { return nil }
        let id = String(token[token.index(after: dot)...])
        guard !id.isEmpty, id.count <= 64 else { return nil }
        self.init(createdAt: Millis.date(millis), id: id)
    }
}

/// Instants as integer milliseconds since 1970, the stores' time column type.
public enum Millis {
    /// The latest instant kept: year 9999's end (and the earliest, year 0's start), so that any
    /// date (a cursor's, one far in the future) converts without overflow.
    public static let range: ClosedRange<Int64> = -62_167_219_200_000...253_402_300_799_999

    /// `date` in milliseconds, clamped to `range` (NaN becomes 0).
    public static func from(_ date: Date) -> Int64 {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        guard millis.isFinite else { return millis.isNaN ? 0 : (millis > 0 ? range.upperBound : range.lowerBound) }
        return Int64(min(max(millis, Double(range.lowerBound)), Double(range.upperBound)))
    }
    public static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
