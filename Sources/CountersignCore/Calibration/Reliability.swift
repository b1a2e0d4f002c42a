/// How well stated confidence matches what humans decided, for one group: binned observed approval
/// rate against mean stated confidence (a reliability table), the expected calibration error and the
/// Brier score. Built in the same streaming pass that reads the records; no sort needed.
public struct Reliability: Sendable, Hashable {
    /// One bin of equal width on 0…1.
    public struct Bin: Sendable, Hashable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        public var approved: Int
        public var confidenceSum: Double

        /// The mean stated confidence in the bin.
        public var meanConfidence: Double { count == 0 ? 0 : confidenceSum / Double(count) }
        /// The share of the bin's records that humans approved.
        public var approvalRate: Double { count == 0 ? 0 : Double(approved) / Double(count) }
        /// Stated minus observed: positive when the agent is overconfident here.
        public var gap: Double { meanConfidence - approvalRate }
    }

    public private(set) var bins: [Bin]
    public private(set) var count = 0
    public private(set) var approved = 0
    private var confidenceSum = 0.0
    private var squaredErrorSum = 0.0

    /// `binCount` equal-width bins; a confidence of exactly 1 falls in the last.
    public init(binCount: Int = 10) {
        precondition(binCount > 0)
        bins = (0..<binCount).map {
            Bin(lower: Double($0) / Double(binCount), upper: Double($0 + 1) / Double(binCount), count: 0, approved: 0, confidenceSum: 0)
        }
    }

    /// Adds one record.
    public mutating func add(confidence: Double, approved isApproved: Bool) {
        let index = min(Int(confidence * Double(bins.count)), bins.count - 1)
        let outcome = isApproved ? 1.0 : 0.0
        bins[index].count += 1
        bins[index].confidenceSum += confidence
        if isApproved {
            bins[index].approved += 1
            approved += 1
        }
        count += 1
        confidenceSum += confidence
        squaredErrorSum += (confidence - outcome) * (confidence - outcome)
    }

    /// Adds every record of `other` (same bins).
    public mutating func merge(_ other: Reliability) {
        precondition(other.bins.count == bins.count)
        for index in bins.indices {
            bins[index].count += other.bins[index].count
            bins[index].approved += other.bins[index].approved
            bins[index].confidenceSum += other.bins[index].confidenceSum
        }
        count += other.count
        approved += other.approved
        confidenceSum += other.confidenceSum
        squaredErrorSum += other.squaredErrorSum
    }

    /// Σ (nᵦ / N) · |observed rateᵦ − mean confidenceᵦ| over the bins: 0 for a perfectly calibrated agent.
    public var expectedCalibrationError: Double {
        guard count > 0 else { return 0 }
        return bins.reduce(0) { $0 + Double($1.count) * abs($1.gap) } / Double(count)
    }

    /// The mean of (confidence − approved)², approved counted as 1: 0 is perfect, 0.25 is a coin.
    public var brierScore: Double { count == 0 ? 0 : squaredErrorSum / Double(count) }

    /// The mean stated confidence.
    public var meanConfidence: Double { count == 0 ? 0 : confidenceSum / Double(count) }

    /// The share of records humans approved.
    public var approvalRate: Double { count == 0 ? 0 : Double(approved) / Double(count) }
}
