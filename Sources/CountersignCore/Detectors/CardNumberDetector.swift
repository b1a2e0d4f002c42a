/// Payment card numbers: 13–19 digits, optionally grouped by spaces or dashes, passing Luhn.
public enum CardNumberDetector {
    /// Whether `text` contains a valid card number.
    public static func contains(_ text: String) -> Bool {
        text.withUTF8Bytes { PIIScanner.scan($0, wanted: .cardNumber) == .cardNumber }
    }

    /// Whether a string of digits (single spaces or dashes allowed between groups) is a valid card number.
    public static func isValid(_ number: String) -> Bool {
        guard number.utf8.allSatisfy({ ASCII.isDigit($0) || $0 == 0x20 || $0 == 0x2D }) else { return false }
        let digits = number.utf8.filter(ASCII.isDigit)
        guard (13...19).contains(digits.count), digits.first != 0x30 else { return false }
        return digits.withUnsafeBufferPointer { bytes in
            var group = [PIIScanner.Group(start: 0, count: bytes.count, separator: 0)]
            return group.withUnsafeMutableBufferPointer { luhn(bytes, $0) }
        }
    }

    /// The Luhn (mod 10) check over the digits of `groups`, rightmost digit undoubled.
    static func luhn(_ bytes: UnsafeBufferPointer<UInt8>, _ groups: UnsafeMutableBufferPointer<PIIScanner.Group>) -> Bool {
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
