import Foundation

extension Policy {
    /// The built-in policy of CONTRACT §4: the seed's thresholds, amount rules in the right order,
    /// and every hard escalation rule on.
    public static let `default` = Policy(
        currency: "USD",
        riskClasses: [
            "read_only": Thresholds(auto: 0.60, notify: 0.40, approve: 0.20),
            "low_risk_write": Thresholds(auto: 0.85, notify: 0.70, approve: 0.50),
            "high_risk_write": Thresholds(auto: 0.95, notify: 0.85, approve: 0.70),
            "financial": Thresholds(auto: 0.99, notify: 0.95, approve: 0.80),
        ],
        defaultRiskClass: "high_risk_write",
        operations: [
            "lookup_order": OperationRule(riskClass: "read_only"),
            "update_address": OperationRule(riskClass: "low_risk_write"),
            "cancel_order": OperationRule(riskClass: "high_risk_write"),
            "refund": OperationRule(riskClass: "financial"),
        ],
        amounts: AmountRules(approveOver: 500, escalateOver: 5000, urgentOver: 1000),
        sanity: SanityRules(maxReferenceRatio: 1),
        escalation: EscalationRules(
            pii: Set(PIIKind.allCases),
            humanRequestPhrases: defaultHumanRequestPhrases,
            legalPhrases: defaultLegalPhrases,
            consecutiveRejections: 2,
            approvalsPerSubject: WindowedCount(max: 3, within: 24 * 3600),
            lowConfidenceStreak: LowConfidenceStreak(count: 3, below: 0.6, within: 3600)
        ),
        approvals: ApprovalRules(
            timeout: 30 * 60,
            maxTimeout: 7 * 24 * 3600,
            fallback: "Tell the customer a specialist will follow up shortly"
        )
    )

    /// Phrases in a customer's message that ask for a person. Matched whole-word and case-insensitively,
    /// so "human-readable label" is not a request for a human.
    public static let defaultHumanRequestPhrases = [
        "speak to a human", "speak with a human", "talk to a human", "talk with a human", "chat with a human",
        "speak to a person", "speak with a person", "talk to a person", "talk with a person",
        "speak to someone", "speak with someone", "talk to someone", "talk with someone",
        "speak to a manager", "speak with a manager", "talk to a manager", "talk with a manager",
        "real person", "real human", "actual person", "actual human", "human being", "human agent",
        "live agent", "live person", "customer service representative", "representative", "supervisor",
        "not a bot", "not a robot", "stop the bot",
    ]

    /// Phrases that signal a legal or compliance matter anywhere in the proposal.
    public static let defaultLegalPhrases = [
        "lawyer", "attorney", "solicitor", "lawsuit", "sue", "suing", "legal action", "litigation", "class action",
        "small claims", "court", "subpoena", "cease and desist", "gdpr", "ccpa", "data protection",
        "right to be forgotten", "regulator", "ombudsman", "consumer protection", "trading standards",
    ]
}
