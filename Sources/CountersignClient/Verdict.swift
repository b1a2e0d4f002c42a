import Foundation

/// How much human attention a proposal needs, least to most.
public enum Level: String, Sendable, Hashable, Codable, CaseIterable {
    /// Execute.
    case auto
    /// Execute, then a human is told.
    case notify
    /// Hold until a human decides.
    case approve
    /// Hand the case to a human; the agent does not execute.
    case escalate

    /// Whether the agent may execute on the verdict alone, without waiting for a human.
    public var executesAtOnce: Bool { self == .auto || self == .notify }
}

/// One rule that raised the level: a stable code and a sentence for humans.
public struct Reason: Sendable, Hashable, Codable {
    /// The stable code (`amount.approve_over`, `confidence.financial`…).
    public var code: String
    /// The level this rule asks for.
    public var level: Level
    /// A sentence for humans.
    public var detail: String

    /// A reason.
    public init(code: String, level: Level, detail: String) {
        self.code = code
        self.level = level
        self.detail = detail
    }
}

/// The gateway's answer to a proposal.
public struct Verdict: Sendable, Hashable, Decodable {
    /// The approval a held verdict carries (`approve` and `escalate` levels).
    public struct HeldApproval: Sendable, Hashable, Decodable {
        /// The approval's id, to wait on.
        public var id: String
        /// Its status when the verdict was answered (`pending`, or the current status of a replay).
        public var status: ApprovalStatus
        /// When it expires if nobody decides.
        public var deadline: Date?
        /// The safe action if the answer is no or comes too late.
        public var fallback: String?
        /// Who decided, when, and why: set on a replay of a decided proposal.
        public var decidedBy: String?
        public var decidedAt: Date?
        public var comment: String?

        enum CodingKeys: String, CodingKey {
            case id, status, deadline, fallback, comment
            case decidedBy = "decided_by"
            case decidedAt = "decided_at"
        }

        /// Decodes the API's `approval` member.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            status = try container.decode(ApprovalStatus.self, forKey: .status)
            deadline = Timestamps.parse(try container.decodeIfPresent(String.self, forKey: .deadline))
            fallback = try container.decodeIfPresent(String.self, forKey: .fallback)
            decidedBy = try container.decodeIfPresent(String.self, forKey: .decidedBy)
            decidedAt = Timestamps.parse(try container.decodeIfPresent(String.self, forKey: .decidedAt))
            comment = try container.decodeIfPresent(String.self, forKey: .comment)
        }
    }

    /// The stored proposal's id.
    public var proposalID: String
    /// The most severe level of every rule that fired.
    public var level: Level
    /// The risk class the policy put the operation in.
    public var riskClass: String
    /// Every rule that fired.
    public var reasons: [Reason]
    /// Present exactly when the level is `approve` or `escalate`.
    public var approval: HeldApproval?
    /// True when the gateway had already seen this idempotency key and answered with the first
    /// proposal's verdict (HTTP 200) instead of creating a new one (HTTP 201).
    public var isReplay: Bool = false

    enum CodingKeys: String, CodingKey {
        case proposalID = "proposal_id"
        case level
        case riskClass = "risk_class"
        case reasons, approval
    }

    /// Decodes a verdict as `POST /v1/proposals` answers it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        proposalID = try container.decode(String.self, forKey: .proposalID)
        level = try container.decode(Level.self, forKey: .level)
        riskClass = try container.decode(String.self, forKey: .riskClass)
        reasons = try container.decodeIfPresent([Reason].self, forKey: .reasons) ?? []
        approval = try container.decodeIfPresent(HeldApproval.self, forKey: .approval)
    }
}

/// What happened after an executed proposal, for `report(outcome:)`.
public enum Outcome: String, Sendable, Hashable, Codable {
    /// It worked.
    case succeeded
    /// It did not work.
    case failed
    /// It was executed, but it was wrong.
    case erroneous
}

enum Timestamps {
    /// Parses an RFC 3339 date-time, with or without fractional seconds.
    static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        return plain.date(from: text)
    }
}
