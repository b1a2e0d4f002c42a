import Foundation

/// A subject's recent past kept in memory, bounded by the policy: only as many proposals and
/// decisions as the rules can look at, and subjects idle for longer than the rules look back
/// are forgotten by `forgetIdle`, so memory stays flat on endless streams.
public struct InMemoryDecisionHistory: DecisionHistory {
    private struct Subject {
        /// Newest last, at most `recentCapacity`.
        var recent: [PastProposal] = []
        /// Instants of proposals held for approval, newest last, at most `heldCapacity`.
        var held: [Date] = []
        var lastSeen: Date = .distantPast
    }

    private var subjects: [String: Subject] = [:]
    /// Decisions by agent and subject, newest last.
    private var decisions: [String: [PastDecision]] = [:]
    private let recentCapacity: Int
    private let heldCapacity: Int
    private let decisionCapacity: Int
    private let lookback: TimeInterval

    public init(policy: Policy) {
        let rules = policy.escalation
        recentCapacity = max((rules.lowConfidenceStreak?.count ?? 1) - 1, 0)
        heldCapacity = max((rules.approvalsPerSubject?.max ?? 1) - 1, 0)
        decisionCapacity = rules.consecutiveRejections ?? 0
        lookback = rules.lookback
    }

    /// How many subjects are remembered.
    public var subjectCount: Int { subjects.count }

    public func history(for query: HistoryQuery) -> SubjectHistory {
        var result = SubjectHistory()
        if let subject = subjects[query.subject] {
            if query.recentLimit > 0 {
                result.recentProposals = subject.recent.reversed().prefix { $0.at >= query.recentSince }.prefix(query.recentLimit).map { $0 }
            }
            if let since = query.approvalsSince {
                result.approvalCount = subject.held.reduce(0) { $0 + ($1 >= since ? 1 : 0) }
            }
        }
        if query.decisionLimit > 0, let past = decisions[Self.key(query.agent, query.subject)] {
            result.recentDecisions = Array(past.suffix(query.decisionLimit).reversed())
        }
        return result
    }

    /// Remembers a decided proposal of `subject`.
    public mutating func record(subject: String, at: Date, confidence: Double, verdict: Verdict) {
        var entry = subjects[subject] ?? Subject()
        if recentCapacity > 0 {
            if entry.recent.count == recentCapacity { entry.recent.removeFirst() }
            entry.recent.append(PastProposal(at: at, confidence: confidence))
        }
        if heldCapacity > 0, verdict.baseLevel == .approve {
            if entry.held.count == heldCapacity { entry.held.removeFirst() }
            entry.held.append(at)
        }
        entry.lastSeen = max(entry.lastSeen, at)
        subjects[subject] = entry
    }

    /// Remembers a human decision on one of `agent`'s approvals for `subject`.
    public mutating func record(decision: PastDecision, agent: String, subject: String) {
        guard decisionCapacity > 0 else { return }
        let key = Self.key(agent, subject)
        var past = decisions[key] ?? []
        if past.count == decisionCapacity { past.removeFirst() }
        past.append(decision)
        decisions[key] = past
    }

    /// Forgets subjects with no proposal since `now` minus the rules' lookback.
    public mutating func forgetIdle(now: Date) {
        let horizon = now.addingTimeInterval(-lookback)
        subjects = subjects.filter { $0.value.lastSeen >= horizon }
    }

    private static func key(_ agent: String, _ subject: String) -> String { agent + "\u{1F}" + subject }
}
