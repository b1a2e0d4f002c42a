/// Where an approval is in its life: pending, then exactly one of the four ends.
public enum ApprovalStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case pending
    case approved
    case rejected
    /// A human took the case over; the agent does not execute.
    case takenOver = "taken_over"
    /// Nobody answered before the deadline; the fallback applies.
    case expired

    /// Whether the approval has ended.
    public var isFinal: Bool { self != .pending }

    /// Whether the agent may execute the held action.
    public var allowsExecution: Bool { self == .approved }
}

/// A human's answer to a held proposal.
public enum HumanDecision: String, Sendable, Hashable, CaseIterable, Codable {
    case approve
    case reject
    /// The human handles the case; the agent does not execute.
    case takeOver = "take_over"

    /// The status this decision ends an approval in.
    public var resultingStatus: ApprovalStatus {
        switch self {
        case .approve: .approved
        case .reject: .rejected
        case .takeOver: .takenOver
        }
    }
}

/// What happened after an action was executed.
public enum Outcome: String, Sendable, Hashable, CaseIterable, Codable {
    case succeeded
    case failed
    /// Executed, but wrong.
    case erroneous
}
