/// Chinese resident identity numbers: 17 digits and a check character (digit or X), with a
/// plausible region and birth date, passing the ISO 7064 MOD 11-2 check.
public enum ChineseResidentIDDetector {
    /// Whether `text` contains a valid resident id number.
    public static func contains(_ text: String) -> Bool {
        text.withUTF8Bytes { PIIScanner.scan($0, wanted: .cnResidentID) == .cnResidentID }
    }

    /// Whether an 18-character string is a valid resident id number.
    public static func isValid(_ id: String) -> Bool {
        id.withUTF8Bytes { $0.count == 18 && isValid($0) }
    }

    private static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    private static let checkCharacters: [UInt8] = Array("10X98765432".utf8)

    static func isValid(_ id: UnsafeBufferPointer<UInt8>) -> Bool {
        var sum = 0
        for index in 0..<17 {
            guard ASCII.isDigit(id[index]) else { return false }
            sum += Int(id[index] &- 0x30) * weights[index]
        }
        guard checkCharacters[sum % 11] == ASCII.uppercased(id[17]) else { return false }
        // Region codes start with 1–8; the birth date is YYYYMMDD from 1900 on.
        guard (0x31...0x38).contains(id[0]) else { return false }
        let year = PIIScanner.value(id, 6, 4)
        let month = PIIScanner.value(id, 10, 2)
        let day = PIIScanner.value(id, 12, 2)
        return (1900...2099).contains(year) && (1...12).contains(month) && (1...daysIn(month: month, year: year)).contains(day)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
