import Foundation

/// The regularized incomplete beta function I_x(a, b), the distribution function of Beta(a, b)
/// and, through I_p(k, n − k + 1) = P(X ≥ k) for X ~ Binomial(n, p), the exact binomial tail.
///
/// The continued fraction of Numerical Recipes §6.4 is evaluated with the modified Lentz method,
/// on whichever side of the mean it converges fast. The prefactor xᵃ(1 − x)ᵇ / B(a, b) is computed
/// from Stirling's series with its correction terms, so it keeps full precision for a and b in the
/// millions, where `lgamma` differences would lose digits.
public enum IncompleteBeta {
    /// I_x(a, b) for a, b > 0; 0 below x = 0 and 1 above x = 1.
    public static func regularized(_ x: Double, a: Double, b: Double) -> Double {
        evaluate(x, a: a, b: b).value
    }

    /// 1 − I_x(a, b), computed directly so that values near 0 keep their precision.
    public static func complement(_ x: Double, a: Double, b: Double) -> Double {
        evaluate(x, a: a, b: b).complement
    }

    /// Both I_x(a, b) and 1 − I_x(a, b); the smaller of the two carries full relative precision.
    public static func evaluate(_ x: Double, a: Double, b: Double) -> (value: Double, complement: Double) {
        precondition(a > 0 && b > 0, "the incomplete beta function needs a > 0 and b > 0")
        if x.isNaN { return (.nan, .nan) }
        if x <= 0 { return (0, 1) }
        if x >= 1 { return (1, 0) }
        if x < (a + 1) / (a + b + 2) {
            let value = exp(logPrefactor(x, a: a, b: b)) * continuedFraction(x, a: a, b: b) / a
            return (value, 1 - value)
        }
        let complement = exp(logPrefactor(1 - x, a: b, b: a)) * continuedFraction(1 - x, a: b, b: a) / b
        return (1 - complement, complement)
    }

    /// log(xᵃ (1 − x)ᵇ / B(a, b)), written as
    /// a·log(x / x₀) + b·log((1 − x) / (1 − x₀)) + ½·log(ab / (a + b)) − ½·log 2π − δ(a) − δ(b) + δ(a + b)
    /// with x₀ = a / (a + b) and δ the remainder of Stirling's formula: no large terms cancel.
    static func logPrefactor(_ x: Double, a: Double, b: Double) -> Double {
        let sum = a + b
        let mean = a / sum
        let complementMean = b / sum
        let terms = a * logRatio(x, mean) + b * logRatio(1 - x, complementMean, difference: mean - x)
        return terms + 0.5 * log(a * b / sum) - halfLogTwoPi - stirlingRemainder(a) - stirlingRemainder(b) + stirlingRemainder(sum)
    }

    /// log(value / reference), through log1p when the two are close.
    private static func logRatio(_ value: Double, _ reference: Double, difference: Double? = nil) -> Double {
        let relative = (difference ?? (value - reference)) / reference
        return abs(relative) < 0.5 ? log1p(relative) : log(value) - log(reference)
    }

    static let halfLogTwoPi = 0.918_938_533_204_672_741_780_329_736_4

    /// δ(z) = log Γ(z) − ((z − ½)·log z − z + ½·log 2π).
    static func stirlingRemainder(_ z: Double) -> Double {
        if z >= 15 {
            // The asymptotic series; the first omitted term is below 2.2e-14 at z = 15.
            let inverse = 1 / z
            let square = inverse * inverse
            return inverse * (1.0 / 12 - square * (1.0 / 360 - square * (1.0 / 1260 - square / 1680)))
        }
        return lgamma(z) - ((z - 0.5) * log(z) - z + halfLogTwoPi)
    }

    /// The continued fraction for I_x(a, b) · a / prefactor (modified Lentz). It converges in
    /// O(√max(a, b)) steps for x below (a + 1) / (a + b + 2).
    static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-15
        let maximumSteps = 1000 + Int(20 * max(a, b).squareRoot())
        let sum = a + b
        var c = 1.0
        var d = 1 - sum * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for step in 1...maximumSteps {
            let m = Double(step)
            let twoM = 2 * m
            var term = m * (b - m) * x / ((a - 1 + twoM) * (a + twoM))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            term = -(a + m) * (sum + m) * x / ((a + twoM) * (a + 1 + twoM))
            d = 1 + term * d
            if abs(d) < tiny { d = tiny }
            c = 1 + term / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let change = d * c
            result *= change
            if abs(change - 1) < epsilon { break }
        }
        return result
    }
}
