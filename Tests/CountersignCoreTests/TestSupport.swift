import CountersignCore
import Foundation

/// SplitMix64 (Steele, Lea and Flood): a tiny seeded generator so that every randomised test
/// sees the same numbers on every run and every machine.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An exact decimal from its text (never through `Double`).
func money(_ text: String) -> Decimal {
    guard let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
        fatalError("not a decimal: \(text)")
    }
    return value
}

/// A plain proposal with texts that trigger no content rule.
func makeProposal(
    agent: String = "support-bot", operation: String = "refund", confidence: Double = 1.0, amount: String? = nil,
    currency: String? = nil, reference: String? = nil, subject: String? = nil, action: String = "Refund order A-1042",
    reasoning: String? = nil, impact: String? = nil, messages: [Message] = [], context: JSONValue? = nil, fallback: String? = nil
) -> Proposal {
    Proposal(
        agent: agent, operation: operation, confidence: confidence, amount: amount.map(money), currency: currency,
        referenceAmount: reference.map(money), subject: subject, action: action, reasoning: reasoning, impact: impact,
        messages: messages, context: context, fallback: fallback)
}

/// Decodes a proposal from JSON text.
func decodeProposal(_ json: String) throws(ProposalError) -> Proposal {
    try Proposal.decode(json: Array(json.utf8))
}

/// The reason codes of a verdict, in order.
extension Verdict {
    var codes: [String] { reasons.map(\.code) }
}

/// The reason codes in the order CONTRACT §2 lists them (`confidence.<class>` first).
let contractReasonOrder = [
    "confidence.", "amount.approve_over", "amount.escalate_over", "sanity.reference_ratio", "pii.card_number", "pii.iban",
    "pii.us_ssn", "pii.cn_resident_id", "human_request", "legal", "rejections.consecutive", "approvals.per_subject",
    "confidence.low_streak",
]

/// The position of `code` in `contractReasonOrder`.
func contractRank(_ code: String) -> Int? {
    if code == "confidence.low_streak" { return contractReasonOrder.count - 1 }
    if code.hasPrefix("confidence.") { return 0 }
    return contractReasonOrder.firstIndex(of: code)
}
