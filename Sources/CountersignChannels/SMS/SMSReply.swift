import CountersignCore

/// An approver's text back: `Y 4821` approve, `N 4821` reject, `M 4821` take over (case and
/// spacing forgiven: `y4821`, ` n  4821 `).
public struct SMSReply: Sendable, Hashable {
    public var decision: HumanDecision
    public var code: String

    public init(decision: HumanDecision, code: String) {
        self.decision = decision
        self.code = code
    }

    /// The reply in `text`, or `nil` when it is not one.
    public init?(_ text: String) {
        let compact = text.uppercased().filter { !$0.isWhitespace }
        guard compact.count == 5, let letter = compact.first else { return nil }
        let digits = String(compact.dropFirst())
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        switch letter {
        case "Y": decision = .approve
        case "N": decision = .reject
        case "M": decision = .takeOver
        default: return nil
        }
        code = digits
    }
}
