import Foundation

/// Where an approval stands: `pending`, then exactly one final status.
public enum ApprovalStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for a human.
    case pending
    /// A human approved: the agent executes.
    case approved
    /// A human rejected: the agent takes the fallback.
    case rejected
    /// A human took the case over: the agent does not execute.
    case takenOver = "taken_over"
    /// Nobody decided before the deadline: the agent takes the fallback.
    case expired

    /// Whether the status can no longer change.
    public var isFinal: Bool { self != .pending }
}

/// The durable record of a held proposal, as `GET /v1/approvals/{id}` returns it.
public struct Approval: Sendable, Hashable, Decodable {
    /// The approval's id.
    public var id: String
    /// The proposal it holds.
    public var proposalID: String
    /// Where it stands.
    public var status: ApprovalStatus
    /// When it was held.
    public var createdAt: Date?
    /// When a pending approval expires.
    public var deadline: Date?
    /// The safe action if the answer is no.
    public var fallback: String?
    /// The approver's name (`system` when it expired); nil while pending.
    public var decidedBy: String?
    /// When it was decided or expired.
    public var decidedAt: Date?
    /// The approver's comment.
    public var comment: String?
    /// The verdict's level.
    public var level: Level?
    /// The verdict's reasons.
    public var reasons: [Reason]
    /// The proposal as the gateway stored it (what the approver saw).
    public var proposal: JSONValue?
    /// When the agent used the approved action (`consume`); nil until then.
    public var consumedAt: Date?
    /// Which agent used it.
    public var consumedBy: String?

    enum CodingKeys: String, CodingKey {
        case id
        case proposalID = "proposal_id"
        case status
        case createdAt = "created_at"
        case deadline, fallback
        case decidedBy = "decided_by"
        case decidedAt = "decided_at"
        case comment, level, reasons, proposal
        case consumedAt = "consumed_at"
        case consumedBy = "consumed_by"
    }

    /// Decodes an approval as the API returns it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        proposalID = try container.decode(String.self, forKey: .proposalID)
        status = try container.decode(ApprovalStatus.self, forKey: .status)
        createdAt = Timestamps.parse(try container.decodeIfPresent(String.self, forKey: .createdAt))
        deadline = Timestamps.parse(try container.decodeIfPresent(String.self, forKey: .deadline))
        fallback = try container.decodeIfPresent(String.self, forKey: .fallback)
        decidedBy = try container.decodeIfPresent(String.self, forKey: .decidedBy)
        decidedAt = Timestamps.parse(try container.decodeIfPresent(String.self, forKey: .decidedAt))
        comment = try container.decodeIfPresent(String.self, forKey: .comment)
        level = try container.decodeIfPresent(Level.self, forKey: .level)
        reasons = try container.decodeIfPresent([Reason].self, forKey: .reasons) ?? []
        proposal = try container.decodeIfPresent(JSONValue.self, forKey: .proposal)
        consumedAt = Timestamps.parse(try container.decodeIfPresent(String.self, forKey: .consumedAt))
        consumedBy = try container.decodeIfPresent(String.self, forKey: .consumedBy)
    }
}

/// A stored proposal as `GET /v1/proposals/{id}` returns it: the verdict, the approval when it
/// was held, and the outcome once one was reported.
public struct ProposalRecord: Sendable, Hashable, Decodable {
    /// The proposal's id.
    public var proposalID: String
    /// The verdict's level.
    public var level: Level
    /// The proposal as stored.
    public var proposal: JSONValue?
    /// The approval, when the proposal was held.
    public var approval: Approval?
    /// The reported outcome (`succeeded`, `failed`, `erroneous`), once reported.
    public var outcome: Outcome?

    enum CodingKeys: String, CodingKey {
        case proposalID = "proposal_id"
        case level, proposal, approval, outcome
    }

    private struct OutcomeBody: Decodable { var outcome: Outcome }

    /// Decodes the API's proposal view.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        proposalID = try container.decode(String.self, forKey: .proposalID)
        level = try container.decode(Level.self, forKey: .level)
        proposal = try container.decodeIfPresent(JSONValue.self, forKey: .proposal)
        // The embedded approval is the approval view without `proposal`; a shape this client does not know is left out.
        approval = try? container.decodeIfPresent(Approval.self, forKey: .approval)
        outcome = try container.decodeIfPresent(OutcomeBody.self, forKey: .outcome)?.outcome
    }
}
