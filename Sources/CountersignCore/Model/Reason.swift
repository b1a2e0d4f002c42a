import Foundation

/// One rule that raised the level, with a stable code and a sentence for humans.
///
/// The sentence is rendered from the facts when asked for, so deciding allocates no text.
public struct Reason: Sendable, Hashable {
    /// Stable API code (`amount.approve_over`, `pii.iban`, `confidence.financial`).
    public var code: String
    /// The level this rule asks for.
    public var level: Level
    /// The facts behind the reason, from which `detail` is written.
    public var facts: Facts

    /// What made a rule fire.
    public enum Facts: Sendable, Hashable {
        /// The confidence is below `threshold`, the named threshold of the class.
        case confidence(Double, thresholdName: StaticString, threshold: Double, riskClass: String)
        /// The amount is over a policy limit.
        case amountOver(Decimal, currency: String, limit: Decimal)
        /// The amount is more than `maximumRatio` times the reference amount.
        case referenceRatio(amount: Decimal, reference: Decimal, maximumRatio: Decimal)
        case pii(PIIKind)
        case humanRequest(phrase: String)
        case legal(phrase: String)
        case consecutiveRejections(count: Int, agent: String, subject: String)
        case approvalsPerSubject(number: Int, subject: String, within: TimeInterval, max: Int)
        case lowConfidenceStreak(count: Int, subject: String, within: TimeInterval, below: Double)
        /// Shadow mode held a proposal the policy would have let through at `policyLevel`.
        case shadowMode(policyLevel: Level)
        /// A sentence stored as is (a reason read back from storage).
        case text(String)

        public static func == (lhs: Facts, rhs: Facts) -> Bool { lhs.sentence == rhs.sentence }
        public func hash(into hasher: inout Hasher) { hasher.combine(sentence) }

        /// The sentence for the approver. Never repeats personal data found in the proposal.
        public var sentence: String {
            switch self {
            case .confidence(let value, let name, let threshold, let riskClass):
                return "confidence \(Number.format(value)) is below the \(name) threshold \(Number.format(threshold)) for \(riskClass)"
            case .amountOver(let amount, let currency, let limit):
                return "amount \(MoneyFormat.format(amount, currency: currency)) is over \(MoneyFormat.format(limit))"
            case .referenceRatio(let amount, let reference, let maximumRatio):
                let ratio = Number.format(NSDecimalNumber(decimal: maximumRatio).doubleValue, digits: 1)
                guard reference > 0 else { return "amount is over the reference \(MoneyFormat.format(reference)) (at most \(ratio)×)" }
                let times = Number.format(NSDecimalNumber(decimal: amount / reference).doubleValue, digits: 1)
                return "amount is \(times)× the reference \(MoneyFormat.format(reference)) (at most \(ratio)×)"
            case .pii(let kind):
                return "the proposal contains \(kind.label)"
            case .humanRequest(let phrase):
                return "the customer asked for a person (“\(phrase)”)"
            case .legal(let phrase):
                return "the proposal mentions a legal or compliance matter (“\(phrase)”)"
            case .consecutiveRejections(let count, let agent, let subject):
                return "the last \(count) decided approvals of \(agent) for \(subject) were rejected"
            case .approvalsPerSubject(let number, let subject, let within, let max):
                return "this would be approval number \(number) for \(subject) within \(DurationText.format(within)) (the limit is \(max))"
            case .lowConfidenceStreak(let count, let subject, let within, let below):
                return
                    "the last \(count) proposals for \(subject) within \(DurationText.format(within)) all had confidence below \(Number.format(below))"
            case .shadowMode(let policyLevel):
                return "shadow mode: the policy would have chosen \(policyLevel.rawValue); a human decides while the policy is on trial"
            case .text(let text):
                return text
            }
        }
    }

    public init(code: String, level: Level, facts: Facts) {
        self.code = code
        self.level = level
        self.facts = facts
    }

    /// A reason with its sentence given (read back from storage, or written by hand).
    public init(code: String, level: Level, detail: String) {
        self.init(code: code, level: level, facts: .text(detail))
    }

    /// A sentence for the approver.
    public var detail: String { facts.sentence }
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
    /// The policy runs in shadow mode for the operation: its verdict is recorded, a human decides.
    public static let shadowMode = "shadow_mode"
}
