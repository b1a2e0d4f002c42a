/// US social security numbers written `AAA-GG-SSSS` or `AAA GG SSSS`, obeying the SSA's rules:
/// area not 000, 666 or 900–999; group not 00; serial not 0000.
///
/// Nine digits in a row are not taken for an SSN: order and tracking numbers look the same.
public enum USSocialSecurityNumberDetector {
    /// Whether `text` contains a valid US SSN.
    public static func contains(_ text: String) -> Bool {
        text.withUTF8Bytes { PIIScanner.scan($0, wanted: .usSSN) == .usSSN }
    }

    /// The SSA's structural rules for an SSN's three parts.
    public static func isValid(area: Int, group: Int, serial: Int) -> Bool {
        (1...899).contains(area) && area != 666 && (1...99).contains(group) && (1...9999).contains(serial)
    }
}
