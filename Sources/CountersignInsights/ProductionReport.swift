import CountersignCore
import Foundation

/// The seed's production table, computed from the gateway's own record: volume per day, how much
/// runs without a human, how much waits and how long, how much was wrong, and per operation; plus
/// signals of rubber-stamping (an approver who decides in seconds and approves nearly everything).
public struct ProductionReport: Sendable {
    /// Counts and rates of one slice (everything, or one operation).
    public struct Slice: Sendable {
        public var proposals = 0
        /// `auto` and `notify`: executed without waiting for a human.
        public var autoCompleted = 0
        public var approvalRequired = 0
        public var escalated = 0
        public var expired = 0
        /// Proposals with a reported outcome, and how many of those were erroneous.
        public var outcomes = 0
        public var erroneous = 0
        /// Erroneous outcomes of actions that moved money.
        public var erroneousMoney = 0
        /// Seconds from an approval's creation to a human's decision.
        public var waits: [Double] = []

        public var autoCompletionRate: Double? { rate(autoCompleted, proposals) }
        public var approvalRate: Double? { rate(approvalRequired, proposals) }
        public var escalationRate: Double? { rate(escalated, proposals) }
        public var erroneousRate: Double? { rate(erroneous, outcomes) }
        public var meanWait: Double? { waits.isEmpty ? nil : waits.reduce(0, +) / Double(waits.count) }
        public var medianWait: Double? { Self.percentile(waits, 0.5) }
        public var p95Wait: Double? { Self.percentile(waits, 0.95) }

        private func rate(_ part: Int, _ whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }

        /// The nearest-rank percentile of `values`.
        static func percentile(_ values: [Double], _ fraction: Double) -> Double? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let rank = max(Int((fraction * Double(sorted.count)).rounded(.up)) - 1, 0)
            return sorted[min(rank, sorted.count - 1)]
        }

        mutating func add(level: Level, amount: Decimal?, status: ApprovalStatus?, wait: Double?, outcome: Outcome?) {
            proposals += 1
            switch level {
            case .auto, .notify: autoCompleted += 1
            case .approve: approvalRequired += 1
            case .escalate: escalated += 1
            }
            if status == .expired { expired += 1 }
            if let wait { waits.append(wait) }
            if let outcome {
                outcomes += 1
                if outcome == .erroneous {
                    erroneous += 1
                    if let amount, amount > 0 { erroneousMoney += 1 }
                }
            }
        }
    }

    /// One approver's decisions.
    public struct Approver: Sendable {
        public var decisions = 0
        public var approvals = 0
        public var seconds: [Double] = []
        public var approvalRate: Double { decisions == 0 ? 0 : Double(approvals) / Double(decisions) }
        public var medianSeconds: Double? { Slice.percentile(seconds, 0.5) }
    }

    public let since: Date
    public let until: Date
    public private(set) var overall = Slice()
    public private(set) var operations: [String: Slice] = [:]
    /// Proposals per UTC day (`2026-11-24`).
    public private(set) var perDay: [String: Int] = [:]
    public private(set) var approvers: [String: Approver] = [:]

    public init(since: Date, until: Date) {
        self.since = since
        self.until = until
    }

    /// Counts one proposal.
    public mutating func add(
        operation: String, level: Level, amount: Decimal?, createdAt: Date, approvalStatus: ApprovalStatus?, decidedAt: Date?,
        decidedBy: String?, outcome: Outcome?
    ) {
        var wait: Double?
        if let decidedAt, let status = approvalStatus, status != .expired, status != .pending {
            wait = max(decidedAt.timeIntervalSince(createdAt), 0)
            if let decidedBy {
                var approver = approvers[decidedBy] ?? Approver()
                approver.decisions += 1
                if status == .approved { approver.approvals += 1 }
                approver.seconds.append(wait!)
                approvers[decidedBy] = approver
            }
        }
        overall.add(level: level, amount: amount, status: approvalStatus, wait: wait, outcome: outcome)
        operations[operation, default: Slice()].add(level: level, amount: amount, status: approvalStatus, wait: wait, outcome: outcome)
        perDay[String(Timestamp.format(createdAt).prefix(10)), default: 0] += 1
    }

    /// Weeks in the window (at least one), for per-week rates.
    public var weeks: Double { max(until.timeIntervalSince(since) / (7 * 86400), 1) }

    /// Approvers who look like they rubber-stamp: at least `minimumDecisions`, a median decision
    /// time under `fastSeconds`, and an approval rate of at least `approvalRate`.
    public func rubberStampers(minimumDecisions: Int = 20, fastSeconds: Double = 10, approvalRate: Double = 0.95) -> [String] {
        approvers.filter { _, approver in
            approver.decisions >= minimumDecisions && (approver.medianSeconds ?? .infinity) < fastSeconds && approver.approvalRate >= approvalRate
        }.keys.sorted()
    }
}
