import Foundation

/// What a threshold must certify: at confidences at or above it, humans approve at least `target`
/// of the time, with statistical confidence `confidence` (CONTRACT §5).
public struct ThresholdCriterion: Sendable, Hashable {
    /// The approval rate the records above the threshold must reach (0.95 for `auto`).
    public var target: Double
    /// The confidence of the one-sided lower bound (0.5 < confidence < 1).
    public var confidence: Double
    /// The fewest records a threshold may rest on, whatever the bound says.
    public var minimumSamples: Int

    public init(target: Double, confidence: Double = 0.95, minimumSamples: Int = 30) {
        self.target = target
        self.confidence = confidence
        self.minimumSamples = minimumSamples
    }

    /// Records needed above a candidate before it is tested: the most of `minimumSamples` and the
    /// fewest records whose bound could reach the target if every one of them were approved.
    public var requiredSamples: Int {
        max(minimumSamples, ClopperPearson.minimumTrials(target: target, confidence: confidence), 1)
    }
}

/// The records at or above one candidate threshold.
public struct ThresholdEvidence: Sendable, Hashable {
    /// The candidate: every record with confidence ≥ this value.
    public var threshold: Double
    public var count: Int
    public var approved: Int
    /// The Clopper–Pearson lower bound on their approval rate.
    public var lowerBound: Double

    public var approvalRate: Double { count == 0 ? 0 : Double(approved) / Double(count) }
}

/// The outcome of one fixed-sequence search.
public struct ThresholdFinding: Sendable, Hashable {
    public var criterion: ThresholdCriterion
    /// The lowest candidate that passed, with its evidence; `nil` when none qualifies.
    public var chosen: ThresholdEvidence?
    /// The candidate whose test failed and stopped the search; `nil` when no test failed.
    public var stoppedAt: ThresholdEvidence?
    /// How many candidates were tested (passed, plus the failure if any).
    public var testsRun: Int
    /// The records in the group.
    public var total: Int

    /// The threshold, when one qualifies.
    public var threshold: Double? { chosen?.threshold }

    /// Why no threshold qualifies, in a sentence; `nil` when one does.
    public var reason: String? {
        guard chosen == nil else { return nil }
        let required = criterion.requiredSamples
        guard let stop = stoppedAt else {
            return "only \(total) decisions; at least \(required) are needed before any threshold can show an approval rate of "
                + "\(Self.percent(criterion.target)) at \(Self.percent(criterion.confidence)) confidence"
        }
        return "the \(stop.count) decisions with confidence >= \(stop.threshold) were approved \(Self.percent(stop.approvalRate)) "
            + "of the time, but the \(Self.percent(criterion.confidence)) lower bound is only \(Self.percent(stop.lowerBound)), "
            + "below the target \(Self.percent(criterion.target))"
    }

    /// A share as a percentage with up to two decimals, rounded down (a bound is never overstated).
    static func percent(_ value: Double, digits: Int = 2) -> String {
        let factor = pow(10, Double(digits))
        let shown = (value * 100 * factor + 1e-9).rounded(.down) / factor
        var text = String(format: "%.\(digits)f", shown)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "%"
    }
}

/// Threshold calibration for one group, as CONTRACT §5 asks: candidates are the distinct
/// confidences from the highest down; a candidate t stands for every record with confidence ≥ t
/// (ties go in together). Testing starts at the first candidate with `requiredSamples` records at
/// or above it, each test asks whether the exact lower bound on their approval rate reaches the
/// target, and the first failure ends the sequence (fixed-sequence testing, so the chance of any
/// false pass stays below 1 − confidence). The threshold is the lowest candidate that passed.
///
/// One pass over records sorted once; several criteria (auto, notify, approve) share the pass.
public enum ThresholdCalibration {
    /// Runs every criterion over `samples`, which must be sorted.
    public static func find(_ criteria: [ThresholdCriterion], in samples: CalibrationSamples) -> [ThresholdFinding] {
        precondition(samples.isSorted, "sort the samples first")
        struct Search {
            var criterion: ThresholdCriterion
            var required: Int
            var last: (threshold: Double, count: Int, approved: Int)?
            var stoppedAt: ThresholdEvidence?
            var tests = 0
        }
        var searches = criteria.map { Search(criterion: $0, required: $0.requiredSamples) }
        var active = searches.count
        let keys = samples.keys
        var index = keys.count - 1
        var count = 0
        var approved = 0
        keys.withUnsafeBufferPointer { keys in
            while index >= 0, active > 0 {
                let bits = keys[index] >> 1
                // Take the whole run of equal confidences: a threshold cannot split a tie.
                while index >= 0, keys[index] >> 1 == bits {
                    approved &+= Int(keys[index] & 1)
                    count &+= 1
                    index -= 1
                }
                let threshold = Double(bitPattern: bits)
                for position in searches.indices where searches[position].stoppedAt == nil && count >= searches[position].required {
                    let criterion = searches[position].criterion
                    searches[position].tests += 1
                    if ClopperPearson.bound(reaches: criterion.target, successes: approved, trials: count, confidence: criterion.confidence) {
                        searches[position].last = (threshold, count, approved)
                    } else {
                        searches[position].stoppedAt = ThresholdEvidence(
                            threshold: threshold, count: count, approved: approved,
                            lowerBound: ClopperPearson.lowerBound(successes: approved, trials: count, confidence: criterion.confidence))
                        active -= 1
                    }
                }
            }
        }
        return searches.map { search in
            let chosen = search.last.map {
                ThresholdEvidence(
                    threshold: $0.threshold, count: $0.count, approved: $0.approved,
                    lowerBound: ClopperPearson.lowerBound(successes: $0.approved, trials: $0.count, confidence: search.criterion.confidence))
            }
            return ThresholdFinding(
                criterion: search.criterion, chosen: chosen, stoppedAt: search.stoppedAt, testsRun: search.tests, total: keys.count)
        }
    }
}
