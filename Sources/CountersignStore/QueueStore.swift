import CountersignCore
import Foundation

/// Reading the approval queue whole, however large, and by who or what it concerns: filtered
/// pages, counts per agent, operation and risk class, and each agent's load for its quota. So one
/// agent's flood can neither hide anyone else's approvals nor grow without bound.
public protocol QueueStore: Sendable {
    /// Approvals matching `filter`, newest first (creation time, then id), starting after `cursor`.
    func approvals(matching filter: ApprovalFilter, after cursor: ApprovalCursor?, limit: Int) async throws -> [ApprovalView]

    /// Pending approvals matching `filter` (its statuses aside), earliest deadline first (then id),
    /// starting after `cursor`: the order approvers work in.
    func pendingQueue(matching filter: ApprovalFilter, after cursor: DeadlineCursor?, limit: Int) async throws -> [ApprovalView]

    /// How many approvals are pending for each value of `dimension` among those matching `filter`
    /// (its statuses aside), the largest counts first (then the value, byte by byte), at most `limit`.
    func pendingCounts(by dimension: QueueDimension, matching filter: ApprovalFilter, limit: Int) async throws -> [QueueCount]

    /// How many approvals of `agent` are pending, and the earliest of their deadlines.
    func pendingLoad(agent: String) async throws -> PendingLoad

    /// The proposal `agent` sent with `idempotencyKey`, if any (a retry's original).
    func proposal(agent: String, idempotencyKey: String) async throws -> ProposalView?
}

/// Which approvals a queue read returns; `nil` members match everything. Values match exactly.
public struct ApprovalFilter: Sendable, Hashable {
    public var statuses: Set<ApprovalStatus>?
    public var agent: String?
    public var operation: String?
    public var riskClass: String?

    public init(statuses: Set<ApprovalStatus>? = nil, agent: String? = nil, operation: String? = nil, riskClass: String? = nil) {
        self.statuses = statuses
        self.agent = agent
        self.operation = operation
        self.riskClass = riskClass
    }

    /// Every approval.
    public static let all = ApprovalFilter()

    /// Whether it narrows by agent, operation or risk class.
    public var narrowsSubject: Bool { agent != nil || operation != nil || riskClass != nil }
}

/// What the queue can be counted by.
public enum QueueDimension: String, Sendable, Hashable, CaseIterable {
    case agent
    case operation
    case riskClass = "risk_class"
}

/// One value of a dimension and how many pending approvals have it.
public struct QueueCount: Sendable, Hashable {
    public var value: String
    public var count: Int

    public init(value: String, count: Int) {
        self.value = value
        self.count = count
    }
}

/// An agent's pending approvals: how many, and when the first of them falls due.
public struct PendingLoad: Sendable, Hashable {
    public var count: Int
    public var earliestDeadline: Date?

    public init(count: Int, earliestDeadline: Date?) {
        self.count = count
        self.earliestDeadline = earliestDeadline
    }
}

/// Where a page of the pending queue ends (its last approval's deadline and id).
public struct DeadlineCursor: Sendable, Hashable {
    public var deadline: Date
    public var id: String

    public init(deadline: Date, id: String) {
        self.deadline = deadline
        self.id = id
    }

    /// `"<milliseconds>.<id>"`, opaque to clients.
    public var token: String { "\(Millis.from(deadline)).\(id)" }

    public init?(token: String) {
        guard let cursor = ApprovalCursor(token: token) else { return nil }
        self.init(deadline: cursor.createdAt, id: cursor.id)
    }
}
