import CountersignCore

/// An approver's text back: `Y 482113` approve, `N 482113` reject, `M 482113` take over (case and
/// spacing forgiven: `y482113`, ` n  482 113 `).
public struct SMSReply: Sendable, Hashable {
    public var decision: HumanDecision
    public var code: String

    public init(decision: HumanDecision, code: String) {
        self.decision = decision
        self.code = code
    }

    /// The reply in `text`, or `nil` when it is not one. Read on Unicode scalars: only ASCII
    /// letters and digits count, separated by any white space.
    public init?(_ text: String) {
        let compact = text.unicodeScalars.filter { !$0.properties.isWhitespace }
        guard compact.count == 1 + SMSCode.length, let letter = compact.first else { return nil }
        let digits = compact.dropFirst()
        guard digits.allSatisfy({ ("0"..."9").contains($0) }) else { return nil }
        switch letter {
        case "Y", "y": decision = .approve
        case "N", "n": decision = .reject
        case "M", "m": decision = .takeOver
        default: return nil
        }
        code = String(String.UnicodeScalarView(digits))
    }
}
