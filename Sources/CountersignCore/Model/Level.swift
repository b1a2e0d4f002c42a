/// How much human attention a proposal needs, from least to most severe.
///
/// The verdict's level is the most severe level of every rule that fired.
public enum Level: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
    /// Execute directly.
    case auto
    /// Execute, then tell a human.
    case notify
    /// Hold until a human decides.
    case approve
    /// Hand the case to a human; the agent does not execute.
    case escalate

    var severity: Int {
        switch self {
        case .auto: 0
        case .notify: 1
        case .approve: 2
        case .escalate: 3
        }
    }

    public static func < (lhs: Level, rhs: Level) -> Bool { lhs.severity < rhs.severity }

    /// Whether this level holds the action for a human (`approve` or `escalate`).
    public var holdsForHuman: Bool { self >= .approve }
}
