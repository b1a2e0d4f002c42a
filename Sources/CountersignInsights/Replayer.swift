import CountersignCore
import Foundation

/// What a policy did with a stream of past proposals, against what humans decided.
public struct ReplayCounts: Sendable, Hashable {
    public var proposals = 0
    public var auto = 0
    public var notify = 0
    public var approve = 0
    public var escalate = 0
    /// Executed without a human first (auto or notify) although humans had rejected the proposal.
    public var executedRejected = 0
    /// Executed without a human first and the outcome was reported `erroneous`.
    public var executedErroneousOutcome = 0
    /// Estimated erroneous executions: executed without a human first, and rejected or erroneous.
    public var erroneousExecutions = 0
    /// Held for a human (approve or escalate) although humans approved it.
    public var heldButApproved = 0
    /// Rows without a human decision (they count in the levels, not in the error estimates).
    public var unlabelled = 0

    public init() {}

    /// Executed without a human first: auto plus notify.
    public var executed: Int { auto + notify }
    /// Proposals a human must handle before anything happens: approve plus escalate.
    public var humanLoad: Int { approve + escalate }

    mutating func add(level: Level, label: HistoryLabel) {
        proposals += 1
        switch level {
        case .auto: auto += 1
        case .notify: notify += 1
        case .approve: approve += 1
        case .escalate: escalate += 1
        }
        if label.approved == nil { unlabelled += 1 }
        let rejected = label.approved == false
        let erroneous = label.outcome == .erroneous
        if level.holdsForHuman {
            if label.approved == true { heldButApproved += 1 }
        } else {
            if rejected { executedRejected += 1 }
            if erroneous { executedErroneousOutcome += 1 }
            if rejected || erroneous { erroneousExecutions += 1 }
        }
    }

    /// `self − other`, field by field.
    public func subtracting(_ other: ReplayCounts) -> ReplayCounts {
        var difference = ReplayCounts()
        difference.proposals = proposals - other.proposals
        difference.auto = auto - other.auto
        difference.notify = notify - other.notify
        difference.approve = approve - other.approve
        difference.escalate = escalate - other.escalate
        difference.executedRejected = executedRejected - other.executedRejected
        difference.executedErroneousOutcome = executedErroneousOutcome - other.executedErroneousOutcome
        difference.erroneousExecutions = erroneousExecutions - other.erroneousExecutions
        difference.heldButApproved = heldButApproved - other.heldButApproved
        difference.unlabelled = unlabelled - other.unlabelled
        return difference
    }
}

/// One policy deciding the past in the stream's own order and time, as `evaluate` does, with the
/// humans' decisions fed back where the policy would have held a proposal (so the
/// consecutive-rejections rule sees what it would have seen live).
struct PolicySimulation {
    let engine: DecisionEngine
    private var history: InMemoryDecisionHistory
    private let startTime: Date
    private var latest: Date
    private var sinceSweep = 0
    var overall = ReplayCounts()
    var byOperation: [String: ReplayCounts] = [:]

    init(policy: Policy, now: Date) {
        engine = DecisionEngine(policy: policy)
        history = InMemoryDecisionHistory(policy: policy)
        startTime = now
        latest = now
    }

    mutating func decide(_ proposal: Proposal, _ label: HistoryLabel) {
        let now = proposal.at ?? startTime
        var subjectHistory = SubjectHistory.empty
        if let query = engine.historyQuery(for: proposal, now: now) { subjectHistory = history.history(for: query) }
        let verdict = engine.decide(proposal, history: subjectHistory)
        if let subject = proposal.subject {
            history.record(subject: subject, at: now, confidence: proposal.confidence, verdict: verdict)
            if verdict.level.holdsForHuman, let approved = label.approved {
                history.record(decision: approved ? .approved : .rejected, agent: proposal.agent, subject: subject)
            }
        }
        overall.add(level: verdict.level, label: label)
        byOperation[proposal.operation, default: ReplayCounts()].add(level: verdict.level, label: label)
        latest = max(latest, now)
        sinceSweep += 1
        if sinceSweep >= 65536 {
            sinceSweep = 0
            history.forgetIdle(now: latest)
        }
    }
}

/// `countersign replay`: a candidate policy and a baseline decide the same past proposals.
public struct Replayer {
    private var candidate: PolicySimulation
    private var baseline: PolicySimulation

    public init(candidate: Policy, baseline: Policy, now: Date = Date()) {
        self.candidate = PolicySimulation(policy: candidate, now: now)
        self.baseline = PolicySimulation(policy: baseline, now: now)
    }

    /// Decides one past proposal under both policies; refuses one that either policy cannot judge.
    public mutating func add(_ proposal: Proposal, _ label: HistoryLabel) throws(ProposalError) {
        try candidate.engine.validate(proposal)
        try baseline.engine.validate(proposal)
        candidate.decide(proposal, label)
        baseline.decide(proposal, label)
    }

    /// Reads the whole history and decides every good row; bad rows are counted by the reader.
    public mutating func run(_ reader: inout HistoryReader) throws {
        try reader.forEachProposal { proposal, label, _ in
            do {
                try add(proposal, label)
            } catch let error as ProposalError {
                throw HistoryRowError(error.message)
            }
        }
    }

    /// The counts so far.
    public var report: ReplayReport {
        ReplayReport(
            candidate: candidate.overall, baseline: baseline.overall, candidateByOperation: candidate.byOperation,
            baselineByOperation: baseline.byOperation)
    }
}

/// The result of `countersign replay`.
public struct ReplayReport: Sendable {
    public var candidate: ReplayCounts
    public var baseline: ReplayCounts
    public var candidateByOperation: [String: ReplayCounts]
    public var baselineByOperation: [String: ReplayCounts]
    public var badRows = 0
    public var problems: [HistoryProblem] = []
    /// Names for the table's header.
    public var source = ""
    public var candidateName = ""
    public var baselineName = ""

    /// The operations, by name.
    public var operations: [String] { candidateByOperation.keys.sorted() }
}
