/// Payment card numbers: 13–19 digits, optionally grouped by spaces or dashes, passing Luhn.
public enum CardNumberDetector {
    /// Whether `text` contains a valid card number.
    public static func contains(_ text: String) -> Bool {
        text.withUTF8Bytes(contains)
    }

    static func contains(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var found = false
        DigitGroups.forEachToken(in: bytes, minimumDigits: 13) { groups in
            if found { return }
            // Any run of whole groups may be the card: "order 12 4539 1488 0343 6467".
            for first in groups.indices {
                var digits = 0
                for last in first..<groups.count {
                    digits += groups[last].count
                    if digits > 19 { break }
                    if digits >= 13, isValid(bytes, groups[first...last]) {
                        found = true
                        return
                    }
                }
            }
        }
        return found
    }

    /// Whether a string of digits (separators allowed) is a valid card number.
    public static func isValid(_ number: String) -> Bool {
        let digits = number.utf8.filter(ASCII.isDigit)
        guard (13...19).contains(digits.count), number.utf8.allSatisfy({ ASCII.isDigit($0) || $0 == 0x20 || $0 == 0x2D }) else { return false }
        return digits.withUnsafeBufferPointer { luhn($0, [DigitGroups.Group(start: 0, count: $0.count, separator: 0)][...]) }
    }

    private static func isValid(_ bytes: UnsafeBufferPointer<UInt8>, _ groups: ArraySlice<DigitGroups.Group>) -> Bool {
        // No issuer number starts with 0; the separators of one number are all alike.
        guard let head = groups.first, bytes[head.start] != 0x30 else { return false }
        let separator = groups.dropFirst().first?.separator
        guard groups.dropFirst().allSatisfy({ $0.separator == separator }) else { return false }
        return luhn(bytes, groups)
    }

    /// The Luhn (mod 10) check over the digits of `groups`, rightmost digit undoubled.
    static func luhn(_ bytes: UnsafeBufferPointer<UInt8>, _ groups: ArraySlice<DigitGroups.Group>) -> Bool {
        var sum = 0
        var double = false
        for group in groups.reversed() {
            var index = group.start + group.count - 1
            while index >= group.start {
                var digit = Int(bytes[index] &- 0x30)
                if double {
                    digit *= 2
                    if digit > 9 { digit -= 9 }
                }
                sum += digit
                double.toggle()
                index -= 1
            }
        }
        return sum % 10 == 0
    }
}
