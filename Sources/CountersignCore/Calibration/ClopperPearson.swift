import Foundation

/// The exact (Clopper–Pearson) one-sided lower confidence bound on a binomial proportion: the
/// smallest p under which seeing at least x successes in n trials still has probability α = 1 − confidence.
/// It never claims more than the data show, however small the sample.
public enum ClopperPearson {
    /// The lower bound on the success probability at `confidence` (0.5 < confidence < 1),
    /// from `successes` out of `trials`: the α-quantile of Beta(x, n − x + 1), 0 when x = 0.
    public static func lowerBound(successes: Int, trials: Int, confidence: Double) -> Double {
        precondition(trials >= 0 && (0...trials).contains(successes), "successes must lie in 0...trials")
        let alpha = 1 - confidence
        if successes == 0 || trials == 0 { return 0 }
        if successes == trials { return exp(log(alpha) / Double(trials)) }
        // Bisection on p ↦ P(X ≥ x | n, p), which increases with p, to the last representable digit.
        var low = 0.0
        var high = Double(successes) / Double(trials)
        if upperTail(successes: successes, trials: trials, probability: high) < alpha { high = 1 }
        for _ in 0..<200 {
            let middle = 0.5 * (low + high)
            if middle <= low || middle >= high { break }
            if upperTail(successes: successes, trials: trials, probability: middle) < alpha {
                low = middle
            } else {
                high = middle
            }
        }
        return low
    }

    /// P(X ≥ successes) for X ~ Binomial(trials, probability), exactly: I_p(x, n − x + 1).
    public static func upperTail(successes: Int, trials: Int, probability: Double) -> Double {
        if successes <= 0 { return 1 }
        if successes > trials { return 0 }
        if probability <= 0 { return 0 }
        if probability >= 1 { return 1 }
        return IncompleteBeta.regularized(probability, a: Double(successes), b: Double(trials - successes + 1))
    }

    /// Whether the lower bound at `confidence` reaches `target`, i.e. P(X ≥ x | n, target) ≤ α.
    /// Exact, and cheap where the answer is clear: a rate at or below the target never passes, and
    /// the Chernoff bound exp(−n·KL(x/n ‖ target)), an upper bound on the tail, settles clear passes
    /// without the continued fraction. Needs 0.5 < confidence < 1.
    public static func bound(reaches target: Double, successes: Int, trials: Int, confidence: Double) -> Bool {
        guard trials > 0 else { return false }
        if target <= 0 { return true }
        if target >= 1 { return false }
        let alpha = 1 - confidence
        let logAlpha = log(alpha)
        let n = Double(trials)
        // The binomial median is at least ⌊n·target⌋, so P(X ≥ x) ≥ ½ > α when x ≤ n·target.
        if Double(successes) <= n * target { return false }
        if successes == trials { return n * log(target) <= logAlpha }
        let rate = Double(successes) / n
        let divergence = rate * log(rate / target) + (1 - rate) * log((1 - rate) / (1 - target))
        if n * divergence >= -logAlpha * (1 + 1e-9) + 1e-9 { return true }
        return upperTail(successes: successes, trials: trials, probability: target) <= alpha
    }

    /// The fewest trials for which the bound can reach `target` at all (every trial a success):
    /// the smallest n with targetⁿ ≤ α. `Int.max` when the target is 1.
    public static func minimumTrials(target: Double, confidence: Double) -> Int {
        if target <= 0 { return 1 }
        if target >= 1 { return Int.max }
        let logAlpha = log(1 - confidence)
        let logTarget = log(target)
        var n = max(1, Int((logAlpha / logTarget).rounded(.up)))
        while Double(n) * logTarget > logAlpha { n += 1 }
        while n > 1, Double(n - 1) * logTarget <= logAlpha { n -= 1 }
        return n
    }
}
