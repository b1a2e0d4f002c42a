import Foundation

/// What the stateful rules need to know about a subject's past, asked for by the engine
/// (`DecisionEngine.historyQuery(for:now:)`) so that a store can answer with three small queries.
public struct HistoryQuery: Sendable, Hashable {
    public var agent: String
    public var subject: String
    /// The low-confidence streak looks at the subject's proposals since this instant…
    public var recentSince: Date
    /// …at most this many of them, newest first (0: the rule is off).
    public var recentLimit: Int
    /// The per-subject approval count looks at proposals held for approval since this instant (`nil`: off).
    public var approvalsSince: Date?
    /// How many of this agent's latest decided approvals for the subject to look at (0: off).
    public var decisionLimit: Int
}

/// A proposal of the past, as the stateful rules see it.
public struct PastProposal: Sendable, Hashable {
    public var at: Date
    public var confidence: Double

    public init(at: Date, confidence: Double) {
        self.at = at
        self.confidence = confidence
    }
}

/// How a human resolved an approval, as the consecutive-rejections rule sees it.
public enum PastDecision: String, Sendable, Hashable {
    case approved
    case rejected
    case takenOver = "taken_over"
}

/// The answer to a `HistoryQuery`.
public struct SubjectHistory: Sendable, Hashable {
    /// The subject's latest proposals since `recentSince`, newest first, at most `recentLimit`.
    public var recentProposals: [PastProposal]
    /// How many of the subject's proposals since `approvalsSince` were held for approval.
    public var approvalCount: Int
    /// The agent's latest decided approvals for the subject, newest first, at most `decisionLimit`.
    public var recentDecisions: [PastDecision]

    public init(recentProposals: [PastProposal] = [], approvalCount: Int = 0, recentDecisions: [PastDecision] = []) {
        self.recentProposals = recentProposals
        self.approvalCount = approvalCount
        self.recentDecisions = recentDecisions
    }

    /// No history: the first proposal of a subject.
    public static let empty = SubjectHistory()
}

/// Where the stateful rules read a subject's past. The gateway backs it with its store;
/// `InMemoryDecisionHistory` serves offline evaluation and tests.
public protocol DecisionHistory: Sendable {
    func history(for query: HistoryQuery) async throws -> SubjectHistory
}
