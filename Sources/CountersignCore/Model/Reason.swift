/// One rule that raised the level, with a stable code and a sentence for humans.
public struct Reason: Sendable, Hashable {
    /// Stable API code (`amount.approve_over`, `pii.iban`, `confidence.financial`).
    public var code: String
    /// The level this rule asks for.
    public var level: Level
    /// A sentence for the approver.
    public var detail: String

    public init(code: String, level: Level, detail: String) {
        self.code = code
        self.level = level
        self.detail = detail
    }
}

/// The stable reason codes of CONTRACT §2.
public enum ReasonCode {
    public static func confidence(_ riskClass: String) -> String { "confidence.\(riskClass)" }
    public static let approveOver = "amount.approve_over"
    public static let escalateOver = "amount.escalate_over"
    public static let referenceRatio = "sanity.reference_ratio"
    public static func pii(_ kind: PIIKind) -> String { "pii.\(kind.rawValue)" }
    public static let humanRequest = "human_request"
    public static let legal = "legal"
    public static let consecutiveRejections = "rejections.consecutive"
    public static let approvalsPerSubject = "approvals.per_subject"
    public static let lowConfidenceStreak = "confidence.low_streak"
}
