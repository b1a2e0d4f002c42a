import Foundation

/// An amount of money as Countersign accepts it, everywhere one is read (the API, `evaluate`,
/// `replay`, history files, policy limits, `max_amount`, MCP amount pointers): exact, never
/// negative, at most 18 digits before the decimal point and 18 after.
///
/// Why these bounds: 10^18 is more money than any currency has in circulation (a quintillion
/// units of the smallest-denominated currency in use), and 18 decimals are the finest unit any
/// ledger uses (ether's wei). Within them every value has at most 36 significant digits, so it is
/// held exactly as an integer significand (128 bits) and a power of ten, converts to a Foundation
/// `Decimal` (38 digits) and back without loss, and its text round-trips through storage and the
/// audit chain byte for byte. Beyond them a value is refused, never rounded or stored as NaN.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The most digits before the decimal point.
    public static let maximumIntegerDigits = 18
    /// The most digits after the decimal point (trailing zeros do not count: `1.50` has two, one of them a zero).
    public static let maximumFractionDigits = 18

    /// The largest accepted amount: 999,999,999,999,999,999.999999999999999999.
    public static let maximum = Money(
        exact: ExactDecimal(significand: UInt128(String(repeating: "9", count: 36))!, exponent: -maximumFractionDigits))

    /// The sentence refusals end with: what an amount must be.
    public static let expectation =
        "must be a decimal number from 0 to 999999999999999999.999999999999999999 (at most \(maximumIntegerDigits) digits before the point and \(maximumFractionDigits) after)"

    /// Normalised: no trailing zeros in the significand; zero is `0 × 10^0`.
    let exact: ExactDecimal

    /// Why a text or value is not an accepted amount.
    public enum Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// Not a decimal number, or outside the bounds.
        case notAnAmount
        case negative

        /// The end of a sentence that starts with the field's name.
        public var description: String {
            switch self {
            case .notAnAmount: Money.expectation
            case .negative: "must not be negative"
            }
        }
    }

    init(exact: ExactDecimal) { self.exact = exact }

    /// `exact` as an accepted amount, or `nil` when it is negative or outside the bounds.
    init?(accepting exact: ExactDecimal) {
        guard let money = try? Money.checked(negative: exact.isNegative, significand: exact.significand, exponent: exact.exponent) else {
            return nil
        }
        self = money
    }

    /// The amount `significand × 10^exponent`, or a refusal when it is negative or outside the bounds.
    static func checked(negative: Bool, significand: UInt128, exponent: Int) throws(Refusal) -> Money {
        if significand == 0 { return Money(exact: ExactDecimal(significand: 0, exponent: 0)) }
        if negative { throw .negative }
        var significand = significand
        var exponent = exponent
        while significand % 10 == 0 {
            significand /= 10
            exponent += 1
        }
        guard exponent >= -maximumFractionDigits, exponent <= maximumIntegerDigits,
            digitCount(significand) + exponent <= maximumIntegerDigits
        else { throw .notAnAmount }
        return Money(exact: ExactDecimal(significand: significand, exponent: exponent))
    }

    /// Reads decimal text (`2400`, `2400.50`, `1.5e3`; JSON number syntax or the same in a string).
    public static func parse(_ text: some StringProtocol) throws(Refusal) -> Money {
        try String(text).withUTF8Bytes { bytes in Result { () throws(Refusal) in try parse(bytes) } }.get()
    }

    /// Reads decimal text from UTF-8 bytes.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Refusal) -> Money {
        // `nil`: not a number, or more than 38 significant digits (far outside the bounds).
        guard let parts = NumberParser.exactComponents(bytes) else { throw .notAnAmount }
        return try checked(negative: parts.negative, significand: parts.significand, exponent: parts.exponent)
    }

    /// The same value as `decimal`, or `nil` when it is NaN, negative or outside the bounds.
    public init?(_ decimal: Decimal) {
        guard !decimal.isNaN, decimal >= 0 else { return nil }
        guard let money = try? Money.parse(decimal.description) else { return nil }
        self = money
    }

    /// The value as a Foundation `Decimal` (exact: at most 36 significant digits).
    public var decimal: Decimal { exact.decimal }

    /// Canonical text: plain digits, a point only when there is a fraction, no exponent, no
    /// trailing zeros (`2400`, `2400.5`, `0.000001`). What the API writes, the stores keep and
    /// the audit chain hashes.
    public var description: String { exact.plainText }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.exact < rhs.exact }

    /// How many decimal digits `value` has (1 for zero).
    private static func digitCount(_ value: UInt128) -> Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }
}
