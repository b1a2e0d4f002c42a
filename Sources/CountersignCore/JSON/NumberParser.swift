import Foundation

/// Turns validated JSON number text into `Double` or exact `Decimal` without going through `String`
/// on the common short forms (`0.97`, `2400.00`).
enum NumberParser {
    /// Sign, up to 19 significant digits and a decimal exponent; `nil` when the text has more digits.
    private static func components(_ text: UnsafeBufferPointer<UInt8>) -> (negative: Bool, significand: UInt64, exponent: Int)? {
        var index = 0
        var negative = false
        if text.first == UInt8(ascii: "-") {
            negative = true
            index = 1
        }
        var significand: UInt64 = 0
        var digits = 0
        var exponent = 0
        var afterPoint = false
        while index < text.count {
            let byte = text[index]
            if ASCII.isDigit(byte) {
                if significand == 0, byte == 0x30 {
                    if afterPoint { exponent -= 1 }
                } else {
                    digits += 1
                    if digits > 19 { return nil }
                    significand = significand * 10 + UInt64(byte &- 0x30)
                    if afterPoint { exponent -= 1 }
                }
            } else if byte == UInt8(ascii: ".") {
                afterPoint = true
            } else {
                // e or E: the rest is the exponent.
                guard let power = Int(String(decoding: UnsafeBufferPointer(rebasing: text[(index + 1)...]), as: UTF8.self)),
                    abs(power) < 10_000
                else { return nil }
                exponent += power
                break
            }
            index += 1
        }
        return (negative, significand, exponent)
    }

    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// The correctly rounded `Double` for JSON number text.
    static func double(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        // Clinger's fast path: both the significand and the power of ten are exact doubles.
        if let (negative, significand, exponent) = components(text), significand < 1 << 53, abs(exponent) <= 22 {
            let magnitude = Double(significand)
            let value = exponent < 0 ? magnitude / powersOfTen[-exponent] : magnitude * powersOfTen[exponent]
            return negative ? -value : value
        }
        return Double(String(decoding: text, as: UTF8.self))
    }

    /// The exact `Decimal` for JSON number text.
    static func decimal(_ text: UnsafeBufferPointer<UInt8>) -> Decimal? {
        if let (negative, significand, exponent) = components(text), (-100...100).contains(exponent) {
            return Decimal(sign: negative ? .minus : .plus, exponent: exponent, significand: Decimal(significand))
        }
        return Decimal(string: String(decoding: text, as: UTF8.self), locale: Locale(identifier: "en_US_POSIX"))
    }

    /// Sign, significand (up to 38 significant digits, trailing zeros folded into the exponent)
    /// and exponent of decimal number text, or `nil` when the text is not a number or has more
    /// significant digits than a `Decimal` holds.
    static func exactComponents(_ text: UnsafeBufferPointer<UInt8>) -> (negative: Bool, significand: UInt128, exponent: Int)? {
        var index = 0
        var negative = false
        if text.first == UInt8(ascii: "-") {
            negative = true
            index = 1
        }
        var significand: UInt128 = 0
        var digits = 0
        /// Zeros after the last non-zero digit, not yet multiplied in.
        var pendingZeros = 0
        var exponent = 0
        var afterPoint = false
        var sawDigit = false
        while index < text.count {
            let byte = text[index]
            if ASCII.isDigit(byte) {
                sawDigit = true
                if afterPoint { exponent -= 1 }
                if byte == 0x30 {
                    if significand != 0 { pendingZeros += 1 }
                } else {
                    digits += pendingZeros + 1
                    if digits > 38 { return nil }
                    for _ in 0..<pendingZeros { significand *= 10 }
                    significand = significand * 10 + UInt128(byte &- 0x30)
                    pendingZeros = 0
                }
            } else if byte == UInt8(ascii: "."), !afterPoint {
                afterPoint = true
            } else if byte | 0x20 == UInt8(ascii: "e"), sawDigit {
                guard let power = Int(String(decoding: UnsafeBufferPointer(rebasing: text[(index + 1)...]), as: UTF8.self)),
                    abs(power) < 10_000
                else { return nil }
                exponent += power
                break
            } else {
                return nil
            }
            index += 1
        }
        return sawDigit ? (negative, significand, exponent + pendingZeros) : nil
    }
}
