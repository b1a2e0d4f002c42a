/// The kinds of personal sensitive data the content detectors recognise and validate.
public enum PIIKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// A payment card number: 13–19 digits passing Luhn.
    case cardNumber = "card_number"
    /// An IBAN with its country's length and a valid mod-97 check.
    case iban
    /// A US social security number obeying the area/group/serial rules.
    case usSSN = "us_ssn"
    /// A Chinese resident identity number with a valid ISO 7064 MOD 11-2 check digit.
    case cnResidentID = "cn_resident_id"

    /// A short human name for reason details.
    public var label: String {
        switch self {
        case .cardNumber: "a payment card number"
        case .iban: "an IBAN"
        case .usSSN: "a US social security number"
        case .cnResidentID: "a Chinese resident id number"
        }
    }
}
