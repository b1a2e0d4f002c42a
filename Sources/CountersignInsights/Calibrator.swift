import CountersignCore
import Foundation

/// How `countersign calibrate` groups decisions.
public enum CalibrationGrouping: String, Sendable, CaseIterable {
    case operation
    case riskClass = "risk_class"
}

/// The options of a calibration run (CONTRACT §5).
public struct CalibrationSettings: Sendable, Hashable {
    public var grouping: CalibrationGrouping = .operation
    /// The approval rate above the `auto` threshold.
    public var target = 0.95
    /// The confidence of the lower bounds.
    public var confidence = 0.95
    public var minimumSamples = 30
    /// The approval rate above the `notify` threshold (notify executes too, and a human looks after
    /// the fact: a little lower than `target`).
    public var notifyTarget = 0.90
    /// The approval rate above the `approve` threshold (below it, humans mostly say no: escalate).
    public var approveTarget = 0.50
    /// Bins of the reliability table.
    public var bins = 10

    public init() {}

    /// Why these settings cannot be used, or `nil`.
    public var problem: String? {
        if !(confidence > 0.5 && confidence < 1) { return "--confidence must be above 0.5 and below 1" }
        for (name, value) in [("--target", target), ("--notify-target", notifyTarget), ("--approve-target", approveTarget)]
        where !(value > 0 && value < 1) {
            return "\(name) must be above 0 and below 1"
        }
        if !(target >= notifyTarget && notifyTarget >= approveTarget) {
            return "the targets must satisfy --target >= --notify-target >= --approve-target"
        }
        if minimumSamples < 1 { return "--min-samples must be at least 1" }
        if !(1...100).contains(bins) { return "--bins must be between 1 and 100" }
        return nil
    }

    /// The three searches, in the order auto, notify, approve.
    public var criteria: [ThresholdCriterion] {
        [target, notifyTarget, approveTarget].map { ThresholdCriterion(target: $0, confidence: confidence, minimumSamples: minimumSamples) }
    }
}

/// Collects decisions in one streaming pass (8 bytes a decision, plus the reliability bins), then
/// sorts each group once and runs the three threshold searches in one pass over it.
public struct Calibrator {
    public let settings: CalibrationSettings
    public let policy: Policy
    private var operations = OperationTable()
    private var keys: [String] = []
    private var samples: [CalibrationSamples] = []
    private var reliability: [Reliability] = []
    /// Decisions added so far.
    public private(set) var count = 0

    public init(settings: CalibrationSettings, policy: Policy) {
        self.settings = settings
        self.policy = policy
    }

    /// Adds one decision; it counts as approved when `decision.isGood`.
    public mutating func add(_ decision: HistoryDecision) {
        add(operation: decision.operation, confidence: decision.confidence, approved: decision.isGood)
    }

    /// Adds one decision of `operation`.
    public mutating func add(operation: String, confidence: Double, approved: Bool) {
        var operation = operation
        operation.withUTF8 { add(operation: $0, confidence: confidence, approved: approved) }
    }

    /// Adds one decision of the operation spelled by `operation` (UTF-8), without allocating once
    /// the operation has been seen.
    public mutating func add(operation: UnsafeBufferPointer<UInt8>, confidence: Double, approved: Bool) {
        let group = operations.find(operation) ?? newGroup(operation)
        samples[group].append(confidence: confidence, approved: approved)
        reliability[group].add(confidence: confidence, approved: approved)
        count += 1
    }

    private mutating func newGroup(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let operation = String(decoding: bytes, as: UTF8.self)
        let key = settings.grouping == .operation ? operation : policy.classify(operation).riskClass
        let group: Int
        if let existing = keys.firstIndex(of: key) {
            group = existing
        } else {
            group = keys.count
            keys.append(key)
            samples.append(CalibrationSamples())
            reliability.append(Reliability(binCount: settings.bins))
        }
        operations.insert(bytes, group: group)
        return group
    }

    /// Sorts and searches every group; `progress` hears of each group as it is done.
    public consuming func finish(progress: ((Int, Int) -> Void)? = nil) -> CalibrationReport {
        let criteria = settings.criteria
        var groups: [CalibrationReport.Group] = []
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        for (done, index) in order.enumerated() {
            var group = CalibrationSamples()
            swap(&group, &samples[index])
            group.sort()
            let findings = ThresholdCalibration.find(criteria, in: group)
            let key = keys[index]
            let current: Thresholds
            var riskClass: String?
            if settings.grouping == .operation {
                let classified = policy.classify(key)
                current = classified.thresholds
                riskClass = classified.riskClass
            } else {
                current = policy.riskClasses[key] ?? Thresholds(auto: 1, notify: 1, approve: 1)
            }
            groups.append(
                CalibrationReport.Group(
                    key: key, riskClass: riskClass, count: group.count, approved: group.approvedCount, reliability: reliability[index],
                    auto: findings[0], notify: findings[1], approve: findings[2], current: current))
            progress?(done + 1, order.count)
        }
        return CalibrationReport(settings: settings, records: count, groups: groups)
    }
}

/// The result of `countersign calibrate`.
public struct CalibrationReport: Sendable {
    /// One operation's (or risk class's) evidence and thresholds.
    public struct Group: Sendable {
        public var key: String
        /// The operation's class under the policy (grouping by operation only).
        public var riskClass: String?
        public var count: Int
        /// Decisions approved with no erroneous outcome.
        public var approved: Int
        public var reliability: Reliability
        public var auto: ThresholdFinding
        public var notify: ThresholdFinding
        public var approve: ThresholdFinding
        /// The thresholds the policy applies now.
        public var current: Thresholds

        /// The thresholds to write: each found one, the current one where none was found, lowered
        /// where needed so that auto ≥ notify ≥ approve. `nil` when nothing was found.
        public var proposed: Thresholds? {
            guard auto.threshold != nil || notify.threshold != nil || approve.threshold != nil else { return nil }
            let newAuto = auto.threshold ?? current.auto
            let newNotify = min(notify.threshold ?? current.notify, newAuto)
            let newApprove = min(approve.threshold ?? current.approve, newNotify)
            return Thresholds(auto: newAuto, notify: newNotify, approve: newApprove)
        }
    }

    public var settings: CalibrationSettings
    /// Decisions used.
    public var records: Int
    public var groups: [Group]
    /// Rows skipped, and the first of them with their lines (filled in by the caller that read them).
    public var badRows = 0
    public var problems: [HistoryProblem] = []
    /// Where the decisions came from, for the evidence block.
    public var source = ""

    public init(settings: CalibrationSettings, records: Int, groups: [Group]) {
        self.settings = settings
        self.records = records
        self.groups = groups
    }

    /// The policy with every proposed threshold applied: per operation (an operation override with
    /// its class) or per risk class.
    public func proposedPolicy(base: Policy) -> Policy {
        var policy = base
        for group in groups {
            guard let thresholds = group.proposed else { continue }
            switch settings.grouping {
            case .operation:
                policy.operations[group.key] = OperationRule(
                    riskClass: base.classify(group.key).riskClass, thresholds: thresholds, shadow: base.operations[group.key]?.shadow ?? false)
            case .riskClass:
                policy.riskClasses[group.key] = thresholds
            }
        }
        return policy
    }
}

extension Calibrator {
    /// Adds every good row of a history file.
    public mutating func read(_ reader: inout HistoryReader) throws {
        try reader.forEachDecisionFast { operation, confidence, approved, outcome in
            add(operation: operation, confidence: confidence, approved: approved && outcome != .erroneous)
        }
    }

    /// Adds one decision from the server's store: `approved` counts as approved unless its outcome
    /// was `erroneous`; `rejected` and `taken_over` do not.
    public mutating func add(operation: String, confidence: Double, status: ApprovalStatus, outcome: String?) {
        add(operation: operation, confidence: confidence, approved: status == .approved && outcome != HistoryOutcome.erroneous.rawValue)
    }
}

extension HistoryReader {
    /// The size of the file behind `descriptor` when it is a regular file (for a progress bar).
    public static func size(of descriptor: Int32) -> Int? {
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }
}

/// Operation names to groups, looked up by their UTF-8 bytes without allocating.
struct OperationTable {
    private var buckets: [UInt64: [(bytes: [UInt8], group: Int)]] = [:]

    func find(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let bucket = buckets[Self.hash(bytes)] else { return nil }
        for entry in bucket where entry.bytes.count == bytes.count {
            if entry.bytes.elementsEqual(bytes) { return entry.group }
        }
        return nil
    }

    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>, group: Int) {
        buckets[Self.hash(bytes), default: []].append((Array(bytes), group))
    }

    /// FNV-1a.
    @inline(__always) static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
