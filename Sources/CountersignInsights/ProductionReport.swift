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
        /// Policy against humans, for the proposals decided in shadow mode.
        public var shadow = ShadowAgreement()

        /// An empty slice (a day without proposals).
        public init() {}

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

        mutating func add(level: Level, policyLevel: Level?, amount: Decimal?, status: ApprovalStatus?, wait: Double?, outcome: Outcome?) {
            proposals += 1
            if let policyLevel { shadow.add(policyLevel: policyLevel, status: status) }
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
    /// The same slice per UTC day, for charts over time.
    public private(set) var daily: [String: Slice] = [:]
    /// Per operation, stated confidence against the humans' decisions (approved, or rejected or
    /// taken over) of the window's decided approvals.
    public private(set) var reliability: [String: Reliability] = [:]

    public init(since: Date, until: Date) {
        self.since = since
        self.until = until
    }

    /// Counts one proposal. `policyLevel` is the policy's own level in shadow mode; `confidence`,
    /// when given, feeds the reliability of decided approvals.
    public mutating func add(
        operation: String, level: Level, policyLevel: Level? = nil, confidence: Double? = nil, amount: Decimal?, createdAt: Date,
        approvalStatus: ApprovalStatus?, decidedAt: Date?, decidedBy: String?, outcome: Outcome?
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
        overall.add(level: level, policyLevel: policyLevel, amount: amount, status: approvalStatus, wait: wait, outcome: outcome)
        operations[operation, default: Slice()].add(
            level: level, policyLevel: policyLevel, amount: amount, status: approvalStatus, wait: wait, outcome: outcome)
        let day = Self.day(createdAt)
        perDay[day, default: 0] += 1
        daily[day, default: Slice()].add(level: level, policyLevel: policyLevel, amount: amount, status: approvalStatus, wait: wait, outcome: outcome)
        if let confidence, let status = approvalStatus, [.approved, .rejected, .takenOver].contains(status) {
            reliability[operation, default: Reliability()].add(confidence: confidence, approved: status == .approved)
        }
    }

    /// The UTC day of an instant, `2026-11-24`.
    public static func day(_ date: Date) -> String { String(Timestamp.format(date).prefix(10)) }

    /// Every UTC day of the window, oldest first, with or without proposals.
    public var days: [String] {
        var result: [String] = []
        var day = since
        while day <= until {
            result.append(Self.day(day))
            day.addTimeInterval(86400)
        }
        if result.last != Self.day(until) { result.append(Self.day(until)) }
        return result
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
