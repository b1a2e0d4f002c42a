/// International bank account numbers, compact (`DE89370400440532013000`) or in groups of four
/// (`DE89 3704 0044 0532 0130 00`), with their country's exact length and a valid mod-97 check.
public enum IBANDetector {
    /// Whether `text` contains a valid IBAN.
    public static func contains(_ text: String) -> Bool {
        text.withUTF8Bytes { PIIScanner.scan($0, wanted: .iban) == .iban }
    }

    /// Whether a valid IBAN starts at `index`, the start of a word.
    static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let end = bytes.count
        guard index + 15 <= end, ASCII.isLetter(bytes[index + 1]), ASCII.isDigit(bytes[index + 2]), ASCII.isDigit(bytes[index + 3]),
            let length = lengths[countryKey(bytes[index], bytes[index + 1])]
        else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 34) { normalized in
            // Collect exactly `length` characters, single spaces allowed between them.
            var count = 0
            var position = index
            while count < length, position < end {
                let byte = bytes[position]
                if ASCII.isAlphanumeric(byte) {
                    normalized[count] = ASCII.uppercased(byte)
                    count += 1
                    position += 1
                } else if byte == 0x20, position + 1 < end, ASCII.isAlphanumeric(bytes[position + 1]) {
                    position += 1
                } else {
                    break
                }
            }
            guard count == length, position == end || !ASCII.isAlphanumeric(bytes[position]) else { return false }
            return mod97(UnsafeBufferPointer(rebasing: normalized[0..<length])) == 1
        }
    }

    /// Whether `iban` (spaces allowed) has its country's length and a valid check.
    public static func isValid(_ iban: String) -> Bool {
        let compact = iban.utf8.filter { $0 != 0x20 }.map(ASCII.uppercased)
        guard compact.count >= 4, compact.allSatisfy(ASCII.isAlphanumeric),
            let length = lengths[countryKey(compact[0], compact[1])], compact.count == length,
            ASCII.isDigit(compact[2]), ASCII.isDigit(compact[3])
        else { return false }
        return compact.withUnsafeBufferPointer { mod97($0) == 1 }
    }

    /// ISO 13616: move the first four characters to the end, letters as 10…35, the number mod 97.
    static func mod97(_ iban: UnsafeBufferPointer<UInt8>) -> Int {
        var remainder = 0
        for offset in 0..<iban.count {
            let byte = iban[(offset + 4) % iban.count]
            if ASCII.isDigit(byte) {
                remainder = (remainder * 10 + Int(byte &- 0x30)) % 97
            } else if ASCII.isLetter(byte) {
                remainder = (remainder * 100 + Int(byte) - 55) % 97
            } else {
                return -1
            }
        }
        return remainder
    }

    @inline(__always) private static func countryKey(_ first: UInt8, _ second: UInt8) -> UInt16 {
        UInt16(ASCII.uppercased(first)) << 8 | UInt16(ASCII.uppercased(second))
    }

    /// IBAN lengths by country, from the SWIFT IBAN registry.
    private static let lengths: [UInt16: Int] = {
        let table: [(String, Int)] = [
            ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16), ("BG", 22), ("BH", 22),
            ("BI", 27), ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22), ("CY", 28), ("CZ", 24), ("DE", 22), ("DJ", 27),
            ("DK", 18), ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24), ("FI", 18), ("FK", 18), ("FO", 18), ("FR", 27),
            ("GB", 22), ("GE", 22), ("GI", 23), ("GL", 18), ("GR", 27), ("GT", 28), ("HN", 28), ("HR", 21), ("HU", 28),
            ("IE", 22), ("IL", 23), ("IQ", 23), ("IS", 26), ("IT", 27), ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28),
            ("LC", 32), ("LI", 21), ("LT", 20), ("LU", 20), ("LV", 21), ("LY", 25), ("MC", 27), ("MD", 24), ("ME", 22),
            ("MK", 19), ("MN", 20), ("MR", 27), ("MT", 31), ("MU", 30), ("NI", 28), ("NL", 18), ("NO", 15), ("OM", 23),
            ("PK", 24), ("PL", 28), ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22), ("RU", 33), ("SA", 24),
            ("SC", 31), ("SD", 18), ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("SO", 23), ("ST", 25), ("SV", 28),
            ("TL", 23), ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20), ("YE", 30),
        ]
        var lengths: [UInt16: Int] = [:]
        for (country, length) in table {
            let bytes = Array(country.utf8)
            lengths[UInt16(bytes[0]) << 8 | UInt16(bytes[1])] = length
        }
        return lengths
    }()

    /// The countries whose IBANs are recognised, with their lengths.
    public static var countryLengths: [String: Int] {
        Dictionary(
            uniqueKeysWithValues: lengths.map { key, length in
                (String(decoding: [UInt8(key >> 8), UInt8(key & 0xFF)], as: UTF8.self), length)
            })
    }
}
