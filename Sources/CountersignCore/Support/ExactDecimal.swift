import Foundation

/// A decimal number held as a sign, an integer significand and a power of ten, for the
/// money rules' hot path. Comparing two of these costs a few integer operations, where comparing
/// Foundation `Decimal`s on Linux allocates several times; values convert losslessly both ways
/// (up to 38 significant digits, the most a `Decimal` holds).
struct ExactDecimal: Sendable, Hashable, Comparable {
    var isNegative: Bool
    var significand: UInt128
    var exponent: Int

    init(isNegative: Bool = false, significand: UInt128, exponent: Int) {
        self.isNegative = isNegative && significand != 0
        self.significand = significand
        self.exponent = exponent
    }

    /// The same value as `decimal`. A `Decimal` has at most 38 significant digits, so its
    /// description always parses; NaN becomes ``unrepresentable``, which is beyond every bound
    /// (``Money`` refuses it), never zero.
    init(_ decimal: Decimal) {
        guard !decimal.isNaN, let parsed = decimal.description.withUTF8Bytes({ NumberParser.exactComponents($0) }) else {
            self = .unrepresentable
            return
        }
        self.init(isNegative: parsed.negative, significand: parsed.significand, exponent: parsed.exponent)
    }

    /// What a NaN or unparsable value becomes: 39 digits, more than any ``Money`` holds.
    static let unrepresentable = ExactDecimal(significand: .max, exponent: 0)

    /// The value as a Foundation `Decimal`.
    var decimal: Decimal {
        let sign: FloatingPointSign = isNegative ? .minus : .plus
        if significand <= UInt128(UInt64.max) {
            return Decimal(sign: sign, exponent: exponent, significand: Decimal(UInt64(significand)))
        }
        let high = Decimal(UInt64(significand >> 64)) * Decimal(UInt64(1) << 32) * Decimal(UInt64(1) << 32)
        return Decimal(sign: sign, exponent: exponent, significand: high + Decimal(UInt64(truncatingIfNeeded: significand)))
    }

    /// Plain decimal text: digits, a point only when there is a fraction, no exponent and no
    /// trailing zeros after the point (`2400`, `-2400.5`, `0.000001`).
    var plainText: String {
        guard significand != 0 else { return "0" }
        var significand = significand
        var exponent = exponent
        while exponent < 0, significand % 10 == 0 {
            significand /= 10
            exponent += 1
        }
        var digits = String(significand)
        if exponent >= 0 {
            digits += String(repeating: "0", count: exponent)
        } else {
            let fraction = -exponent
            if digits.count <= fraction { digits = String(repeating: "0", count: fraction - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -fraction))
        }
        return isNegative ? "-" + digits : digits
    }

    /// `self × other`, or `nil` when the significands' product does not fit in 128 bits.
    func multiplied(by other: ExactDecimal) -> ExactDecimal? {
        let (product, overflow) = significand.multipliedReportingOverflow(by: other.significand)
        return overflow ? nil : ExactDecimal(isNegative: isNegative != other.isNegative, significand: product, exponent: exponent + other.exponent)
    }

    static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool { compare(lhs, rhs) < 0 }

    static func == (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool { compare(lhs, rhs) == 0 }

    func hash(into hasher: inout Hasher) {
        var normalized = self
        while normalized.significand != 0, normalized.significand % 10 == 0 {
            normalized.significand /= 10
            normalized.exponent += 1
        }
        hasher.combine(normalized.isNegative)
        hasher.combine(normalized.significand)
        hasher.combine(normalized.significand == 0 ? 0 : normalized.exponent)
    }

    /// -1, 0 or 1.
    static func compare(_ lhs: ExactDecimal, _ rhs: ExactDecimal) -> Int {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative ? -1 : 1 }
        let magnitude = compareMagnitudes(lhs, rhs)
        return lhs.isNegative ? -magnitude : magnitude
    }

    /// Aligns the exponents by scaling the larger-exponent significand up; when that overflows
    /// 128 bits, that side is the larger one.
    private static func compareMagnitudes(_ lhs: ExactDecimal, _ rhs: ExactDecimal) -> Int {
        if lhs.significand == 0 || rhs.significand == 0 {
            return lhs.significand == rhs.significand ? 0 : (lhs.significand == 0 ? -1 : 1)
        }
        if lhs.exponent == rhs.exponent { return lhs.significand == rhs.significand ? 0 : (lhs.significand < rhs.significand ? -1 : 1) }
        if lhs.exponent > rhs.exponent {
            guard let scaled = scale(lhs.significand, by: lhs.exponent - rhs.exponent) else { return 1 }
            return scaled == rhs.significand ? 0 : (scaled < rhs.significand ? -1 : 1)
        }
        guard let scaled = scale(rhs.significand, by: rhs.exponent - lhs.exponent) else { return -1 }
        return lhs.significand == scaled ? 0 : (lhs.significand < scaled ? -1 : 1)
    }

    private static func scale(_ value: UInt128, by power: Int) -> UInt128? {
        guard power <= 38 else { return nil }
        var result = value
        for _ in 0..<power {
            let (next, overflow) = result.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            result = next
        }
        return result
    }
}
