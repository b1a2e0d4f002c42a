/// US social security numbers written `AAA-GG-SSSS` or `AAA GG SSSS`, obeying the SSA's rules:
/// area not 000, 666 or 900–999; group not 00; serial not 0000.
///
/// Nine digits in a row are not taken for an SSN: order and tracking numbers look the same.
public enum USSocialSecurityNumberDetector {
    /// Whether `text` contains a valid US SSN.
    public static func contains(_ text: String) -> Bool {
        text.withUTF8Bytes(contains)
    }

    static func contains(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var found = false
        DigitGroups.forEachToken(in: bytes, minimumDigits: 9) { groups in
            guard !found, groups.count >= 3 else { return }
            for first in 0...(groups.count - 3) {
                let (area, group, serial) = (groups[first], groups[first + 1], groups[first + 2])
                guard area.count == 3, group.count == 2, serial.count == 4, group.separator == serial.separator else { continue }
                // The number must stand apart from its neighbours ("123-45-6789-1" is something else).
                if first > 0, area.separator == group.separator { continue }
                if first + 3 < groups.count, groups[first + 3].separator == group.separator { continue }
                if isValid(
                    area: DigitGroups.value(bytes, area.start, 3), group: DigitGroups.value(bytes, group.start, 2),
                    serial: DigitGroups.value(bytes, serial.start, 4))
                {
                    found = true
                    return
                }
            }
        }
        return found
    }

    /// The SSA's structural rules for an SSN's three parts.
    public static func isValid(area: Int, group: Int, serial: Int) -> Bool {
        (1...899).contains(area) && area != 666 && (1...99).contains(group) && (1...9999).contains(serial)
    }
}
