/// The code an SMS names an approval by ("Y 482113"): six random digits, stored for one approver
/// and one approval when the card is sent (``Gateway/assignSMSCode(approvalID:approver:candidates:)``),
/// so a code says nothing an agent could compute, and a reply decides only the approval its code
/// was sent for, and only when it comes from that approver's number.
public enum SMSCode {
    /// Digits in a code.
    public static let length = 6

    /// Random codes to try in order (the store takes the first one the approver does not hold).
    public static func candidates(count: Int = 16) -> [String] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            let text = String(UInt32.random(in: 0..<1_000_000, using: &generator))
            return String(repeating: "0", count: length - text.count) + text
        }
    }
}
