import CountersignCore

/// Who is calling, as authentication established it.
public enum Principal: Sendable, Hashable {
    /// An agent, by the name its key belongs to.
    case agent(String)
    /// An approver, with what they may decide.
    case approver(String, ApproverRights)

    public var name: String {
        switch self {
        case .agent(let name), .approver(let name, _): name
        }
    }
}
