import Foundation

/// Everything that decides a proposal's level (CONTRACT §4). `Policy.default` is the built-in policy;
/// a policy file overrides what it names.
public struct Policy: Sendable, Hashable {
    /// The currency the amount rules are written in.
    public var currency: String
    /// Thresholds per risk class.
    public var riskClasses: [String: Thresholds]
    /// The class of operations the policy does not name.
    public var defaultRiskClass: String
    /// The operations the policy names.
    public var operations: [String: OperationRule]
    public var amounts: AmountRules
    public var sanity: SanityRules
    public var escalation: EscalationRules
    public var approvals: ApprovalRules
    /// Which operations run in shadow (canary) mode; off by default.
    public var shadow: ShadowMode

    public init(
        currency: String, riskClasses: [String: Thresholds], defaultRiskClass: String, operations: [String: OperationRule],
        amounts: AmountRules, sanity: SanityRules, escalation: EscalationRules, approvals: ApprovalRules, shadow: ShadowMode = .off
    ) {
        self.currency = currency
        self.riskClasses = riskClasses
        self.defaultRiskClass = defaultRiskClass
        self.operations = operations
        self.amounts = amounts
        self.sanity = sanity
        self.escalation = escalation
        self.approvals = approvals
        self.shadow = shadow
    }

    /// The risk class of an operation and the thresholds that apply to it.
    /// Unknown operations take `defaultRiskClass`; agents never choose their own class.
    public func classify(_ operation: String) -> (riskClass: String, thresholds: Thresholds) {
        let rule = operations[operation]
        let riskClass = rule?.riskClass ?? defaultRiskClass
        let classThresholds = riskClasses[riskClass] ?? Thresholds(auto: 1, notify: 1, approve: 1)
        return (riskClass, rule?.thresholds ?? classThresholds)
    }

    /// Whether proposals of `operation` run in shadow mode: the policy-wide `shadow` block names
    /// it (or all operations), or its own entry says `shadow: true`.
    public func isShadowed(_ operation: String) -> Bool {
        shadow.covers(operation) || operations[operation]?.shadow == true
    }
}

/// How the policy treats one named operation.
public struct OperationRule: Sendable, Hashable {
    public var riskClass: String
    /// Thresholds of the operation's own, winning over its class's.
    public var thresholds: Thresholds?
    /// Whether the operation runs in shadow mode (`shadow: true` in its entry).
    public var shadow: Bool
    /// The decisions approvers are offered for it (`decisions:` in its entry), in the order
    /// the cards show them; `nil` offers every decision.
    public var decisions: [HumanDecision]?

    public init(riskClass: String, thresholds: Thresholds? = nil, shadow: Bool = false, decisions: [HumanDecision]? = nil) {
        self.riskClass = riskClass
        self.thresholds = thresholds
        self.shadow = shadow
        self.decisions = decisions
    }
}

extension Policy {
    /// The decisions an approval of `operation` offers: its rule's, or every decision.
    public func decisions(for operation: String) -> [HumanDecision] {
        operations[operation]?.decisions ?? HumanDecision.allCases
    }
}

/// Amount rules, in the policy's currency. Strictly greater than fires.
public struct AmountRules: Sendable, Hashable {
    /// Above this, at least `approve`.
    public var approveOver: Decimal?
    /// Above this, `escalate`.
    public var escalateOver: Decimal?
    /// Above this, a held approval is urgent (channels page on-call approvers).
    public var urgentOver: Decimal?
    /// Above this, an approval needs two different approvers (four eyes); `nil` is off.
    public var dualApprovalOver: Decimal?
    /// The same limits for amounts in other currencies, by ISO 4217 code. A proposal in a currency
    /// that is neither the policy's nor listed here is refused: amounts are never compared across currencies.
    public var otherCurrencies: [String: AmountRules]

    public init(
        approveOver: Decimal?, escalateOver: Decimal?, urgentOver: Decimal?, dualApprovalOver: Decimal? = nil,
        otherCurrencies: [String: AmountRules] = [:]
    ) {
        self.approveOver = approveOver
        self.escalateOver = escalateOver
        self.urgentOver = urgentOver
        self.dualApprovalOver = dualApprovalOver
        self.otherCurrencies = otherCurrencies
    }

    /// How many different approvers an approval of `amount` in `currency` needs: two when it is
    /// over `dual_approval_over` in its currency, or in a currency with no such limit (amounts are
    /// never compared across currencies, so one approver never suffices there).
    public func requiredApprovals(amount: Decimal?, currency: String?, policyCurrency: String) -> Int {
        guard let amount, let limit = limit(\.dualApprovalOver, policyCurrency: policyCurrency) else { return 1 }
        return limit.isExceeded(by: amount, currency: currency) ? 2 : 1
    }
}

/// Sanity rules that catch a confident agent doing the wrong thing.
public struct SanityRules: Sendable, Hashable {
    /// `amount > reference_amount * maxReferenceRatio` escalates; `nil` turns the rule off.
    public var maxReferenceRatio: Decimal?

    public init(maxReferenceRatio: Decimal?) { self.maxReferenceRatio = maxReferenceRatio }
}

/// Hard escalation rules (whatever the confidence) and the soft low-confidence streak.
public struct EscalationRules: Sendable, Hashable {
    /// Which personal data escalates when found in any text of the proposal.
    public var pii: Set<PIIKind>
    /// Phrases in the customer's messages that ask for a human; empty turns the rule off.
    public var humanRequestPhrases: [String]
    /// Phrases in any text that signal a legal or compliance matter; empty turns the rule off.
    public var legalPhrases: [String]
    /// Escalate when this agent's last N decided approvals for the subject were all rejected; `nil` is off.
    public var consecutiveRejections: Int?
    /// Escalate the subject's `max`-th approval within `within`; `nil` is off.
    public var approvalsPerSubject: WindowedCount?
    /// Escalate when the subject's last `count` proposals within `within` all had confidence below `below`.
    public var lowConfidenceStreak: LowConfidenceStreak?

    public init(
        pii: Set<PIIKind>, humanRequestPhrases: [String], legalPhrases: [String], consecutiveRejections: Int?,
        approvalsPerSubject: WindowedCount?, lowConfidenceStreak: LowConfidenceStreak?
    ) {
        self.pii = pii
        self.humanRequestPhrases = humanRequestPhrases
        self.legalPhrases = legalPhrases
        self.consecutiveRejections = consecutiveRejections
        self.approvalsPerSubject = approvalsPerSubject
        self.lowConfidenceStreak = lowConfidenceStreak
    }

    /// How far back the stateful rules look at a subject's proposals.
    public var lookback: TimeInterval {
        max(approvalsPerSubject?.within ?? 0, lowConfidenceStreak?.within ?? 0)
    }
}

/// At most `max` events within `within` seconds.
public struct WindowedCount: Sendable, Hashable {
    public var max: Int
    public var within: TimeInterval

    public init(max: Int, within: TimeInterval) {
        self.max = max
        self.within = within
    }
}

/// `count` proposals in a row within `within` seconds, all with confidence below `below`.
public struct LowConfidenceStreak: Sendable, Hashable {
    public var count: Int
    public var below: Double
    public var within: TimeInterval

    public init(count: Int, below: Double, within: TimeInterval) {
        self.count = count
        self.below = below
        self.within = within
    }
}

/// How held proposals wait for a human.
public struct ApprovalRules: Sendable, Hashable {
    /// How long an approval waits before its fallback happens.
    public var timeout: TimeInterval
    /// The longest timeout a proposal may ask for.
    public var maxTimeout: TimeInterval
    /// The fallback when the proposal names none.
    public var fallback: String
    /// How long before its deadline a pending approval's approvers are reminded, once; `nil`: never.
    public var remindBefore: TimeInterval?

    public init(timeout: TimeInterval, maxTimeout: TimeInterval, fallback: String, remindBefore: TimeInterval? = nil) {
        self.timeout = timeout
        self.maxTimeout = maxTimeout
        self.fallback = fallback
        self.remindBefore = remindBefore
    }
}
