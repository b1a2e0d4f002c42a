/// A channel that pushes cards to approvers.
public enum ChannelKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case slack
    case email
    case sms

    /// Whether a posted card can be changed in place once the approval is decided (so nobody
    /// clicks a dead card).
    public var updatesInPlace: Bool { self == .slack }

    public static func < (lhs: ChannelKind, rhs: ChannelKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
