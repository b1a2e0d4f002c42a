import Foundation

/// Turns a proposal into a verdict under a policy (CONTRACT §2). Pure: the caller supplies the
/// subject's history (ask `historyQuery(for:now:)`, or the `assess(_:now:)` result, what to load)
/// and the clock.
public struct DecisionEngine: Sendable {
    public let policy: Policy
    private let scanner: ContentScanner
    private let classifications: [String: Classification]
    private let defaultClassification: Classification
    private let limits: Limits
    private let otherLimits: [String: Limits]

    public init(policy: Policy) {
        self.policy = policy
        self.scanner = ContentScanner(rules: policy.escalation)
        func classification(_ operation: String) -> Classification {
            let (riskClass, thresholds) = policy.classify(operation)
            return Classification(riskClass: riskClass, thresholds: thresholds, confidenceCode: ReasonCode.confidence(riskClass))
        }
        self.classifications = Dictionary(uniqueKeysWithValues: policy.operations.keys.map { ($0, classification($0)) })
        func limits(_ amounts: AmountRules) -> Limits {
            Limits(
                approveOver: amounts.approveOver.map(ExactDecimal.init), escalateOver: amounts.escalateOver.map(ExactDecimal.init),
                maxReferenceRatio: policy.sanity.maxReferenceRatio.map(ExactDecimal.init))
        }
        self.limits = limits(policy.amounts)
        self.otherLimits = policy.amounts.otherCurrencies.mapValues(limits)
        let riskClass = policy.defaultRiskClass
        self.defaultClassification = Classification(
            riskClass: riskClass, thresholds: policy.riskClasses[riskClass] ?? Thresholds(auto: 1, notify: 1, approve: 1),
            confidenceCode: ReasonCode.confidence(riskClass))
    }

    /// Refuses input that no rule can judge: an amount outside ``Money``'s bounds (set from Swift
    /// code; the JSON decoder never produces one), a confidence outside 0…1 or NaN, a timeout that
    /// is not a positive finite number, and an amount in a currency the policy has no limits for.
    public func validate(_ proposal: Proposal) throws(ProposalError) {
        if let field = proposal.unacceptedAmountField { throw ProposalError.invalid(field, Money.expectation) }
        guard (0...1).contains(proposal.confidence) else { throw ProposalError.invalid("confidence", "must be between 0 and 1") }
        if let timeout = proposal.timeoutSeconds, !(timeout.isFinite && timeout > 0) {
            throw ProposalError.invalid("timeout", "must be positive")
        }
        if let currency = proposal.currency, currency != policy.currency, policy.amounts.otherCurrencies[currency] == nil,
            proposal.amountValue != nil || proposal.referenceValue != nil
        {
            let known = ([policy.currency] + policy.amounts.otherCurrencies.keys.sorted()).joined(separator: ", ")
            throw ProposalError(
                code: .currencyMismatch,
                message: "currency is \(currency) but the policy's amount rules cover only \(known)",
                field: "currency")
        }
    }

    /// What the stateful rules need to know about the proposal's subject, or `nil` when the
    /// proposal names no subject or those rules are off.
    public func historyQuery(for proposal: Proposal, now: Date) -> HistoryQuery? {
        historyQuery(for: proposal, baseLevel: baseRules(proposal).level, now: now)
    }

    /// Parts a rule cannot use are left out: the approval count only matters when rules 1–3 put
    /// the proposal at `approve`, the streak only when its own confidence is low.
    private func historyQuery(for proposal: Proposal, baseLevel: Level, now: Date) -> HistoryQuery? {
        guard let subject = proposal.subject else { return nil }
        let rules = policy.escalation
        let streak = rules.lowConfidenceStreak.flatMap { proposal.confidence < $0.below ? $0 : nil }
        let approvals = baseLevel == .approve ? rules.approvalsPerSubject : nil
        let query = HistoryQuery(
            agent: proposal.agent, subject: subject,
            recentSince: now.addingTimeInterval(-(streak?.within ?? 0)),
            recentLimit: max((streak?.count ?? 1) - 1, 0),
            approvalsSince: approvals.map { now.addingTimeInterval(-$0.within) },
            decisionLimit: rules.consecutiveRejections ?? 0)
        if query.recentLimit == 0, query.approvalsSince == nil, query.decisionLimit == 0 { return nil }
        return query
    }

    /// The verdict: the most severe level of every rule that fired, and all their reasons.
    public func decide(_ proposal: Proposal, history: SubjectHistory = .empty) -> Verdict {
        let (reasons, baseLevel) = historyFreeRules(proposal)
        return decide(proposal, Assessment(reasons: reasons, baseLevel: baseLevel, historyQuery: nil), history: history)
    }

    /// Rules 1–4, which need no history (confidence, amounts, sanity, the content scan), and the
    /// history the stateful rules need. A store that reads that history inside a serial write
    /// transaction assesses first, outside it, and finishes there with `decide(_:_:history:)`.
    public func assess(_ proposal: Proposal, now: Date) -> Assessment {
        let (reasons, baseLevel) = historyFreeRules(proposal)
        return Assessment(reasons: reasons, baseLevel: baseLevel, historyQuery: historyQuery(for: proposal, baseLevel: baseLevel, now: now))
    }

    /// Rules 1–4's reasons and the level of rules 1–3.
    private func historyFreeRules(_ proposal: Proposal) -> (reasons: [Reason], baseLevel: Level) {
        let (base, baseLevel) = baseRules(proposal)
        var reasons = base
        // 4. Hard escalation rules, whatever the confidence.
        let findings = scanner.scan(proposal)
        for kind in findings.pii {
            reasons.append(Reason(code: ReasonCode.pii(kind), level: .escalate, facts: .pii(kind)))
        }
        if let phrase = findings.humanRequest {
            reasons.append(Reason(code: ReasonCode.humanRequest, level: .escalate, facts: .humanRequest(phrase: phrase)))
        }
        if let phrase = findings.legal {
            reasons.append(Reason(code: ReasonCode.legal, level: .escalate, facts: .legal(phrase: phrase)))
        }
        return (reasons, baseLevel)
    }

    /// The verdict from an assessment of this proposal and the subject's history.
    public func decide(_ proposal: Proposal, _ assessment: Assessment, history: SubjectHistory) -> Verdict {
        var reasons = assessment.reasons
        let baseLevel = assessment.baseLevel
        let rule = classification(of: proposal.operation)
        let rules = policy.escalation
        if let subject = proposal.subject {
            if let count = rules.consecutiveRejections, count > 0, history.recentDecisions.count >= count,
                history.recentDecisions.prefix(count).allSatisfy({ $0 == .rejected })
            {
                reasons.append(
                    Reason(
                        code: ReasonCode.consecutiveRejections, level: .escalate,
                        facts: .consecutiveRejections(count: count, agent: proposal.agent, subject: subject)))
            }
            if let limit = rules.approvalsPerSubject, baseLevel == .approve, history.approvalCount + 1 >= limit.max {
                reasons.append(
                    Reason(
                        code: ReasonCode.approvalsPerSubject, level: .escalate,
                        facts: .approvalsPerSubject(number: history.approvalCount + 1, subject: subject, within: limit.within, max: limit.max)))
            }
            // 5. Soft rule: a streak of low confidence for this subject.
            if let streak = rules.lowConfidenceStreak, proposal.confidence < streak.below, history.recentProposals.count >= streak.count - 1,
                history.recentProposals.prefix(streak.count - 1).allSatisfy({ $0.confidence < streak.below })
            {
                reasons.append(
                    Reason(
                        code: ReasonCode.lowConfidenceStreak, level: .escalate,
                        facts: .lowConfidenceStreak(count: streak.count, subject: subject, within: streak.within, below: streak.below)))
            }
        }
        let level = reasons.reduce(Level.auto) { max($0, $1.level) }
        guard policy.isShadowed(proposal.operation) else {
            return Verdict(level: level, riskClass: rule.riskClass, reasons: reasons, baseLevel: baseLevel)
        }
        // Shadow mode: record the policy's level, hold for a human (escalations stay escalations).
        if level < .approve {
            reasons.append(Reason(code: ReasonCode.shadowMode, level: .approve, facts: .shadowMode(policyLevel: level)))
        }
        return Verdict(level: max(level, .approve), riskClass: rule.riskClass, reasons: reasons, baseLevel: baseLevel, policyLevel: level)
    }

    /// Rules 1–3 (confidence, amounts, sanity), which need no history: their reasons and level.
    func baseRules(_ proposal: Proposal) -> (reasons: [Reason], level: Level) {
        var reasons: [Reason] = []
        let rule = classification(of: proposal.operation)
        let thresholds = rule.thresholds

        // 1. Confidence against the class's thresholds.
        let tier = thresholds.level(for: proposal.confidence)
        if tier != .auto {
            let (name, threshold): (StaticString, Double) =
                switch tier {
                case .notify: ("auto", thresholds.auto)
                case .approve: ("notify", thresholds.notify)
                default: ("approve", thresholds.approve)
                }
            reasons.append(
                Reason(
                    code: rule.confidenceCode, level: tier,
                    facts: .confidence(proposal.confidence, thresholdName: name, threshold: threshold, riskClass: rule.riskClass)))
        }

        // 2. Amount rules, each checked on its own: both fire above escalate_over.
        if let amount = proposal.amountValue {
            let currency = proposal.currency ?? policy.currency
            let limits = currency == policy.currency ? limits : otherLimits[currency] ?? limits
            if let limit = limits.approveOver, amount > limit {
                reasons.append(
                    Reason(
                        code: ReasonCode.approveOver, level: .approve, facts: .amountOver(amount.decimal, currency: currency, limit: limit.decimal)))
            }
            if let limit = limits.escalateOver, amount > limit {
                reasons.append(
                    Reason(
                        code: ReasonCode.escalateOver, level: .escalate, facts: .amountOver(amount.decimal, currency: currency, limit: limit.decimal))
                )
            }
            // 3. Sanity: the refund of 2,400 on a 240 order.
            if let ratio = limits.maxReferenceRatio, let reference = proposal.referenceValue, exceeds(amount, reference, times: ratio) {
                reasons.append(
                    Reason(
                        code: ReasonCode.referenceRatio, level: .escalate,
                        facts: .referenceRatio(amount: amount.decimal, reference: reference.decimal, maximumRatio: ratio.decimal)))
            }
        }
        return (reasons, reasons.reduce(Level.auto) { max($0, $1.level) })
    }

    /// Whether `amount > reference × ratio`, exactly.
    private func exceeds(_ amount: ExactDecimal, _ reference: ExactDecimal, times ratio: ExactDecimal) -> Bool {
        if let product = reference.multiplied(by: ratio) { return amount > product }
        return amount.decimal > reference.decimal * ratio.decimal
    }

    /// The policy's money limits, converted once for exact, allocation-free comparison.
    struct Limits: Sendable {
        var approveOver: ExactDecimal?
        var escalateOver: ExactDecimal?
        var maxReferenceRatio: ExactDecimal?
    }

    /// An operation's class, thresholds and confidence reason code, computed once per policy.
    struct Classification: Sendable {
        var riskClass: String
        var thresholds: Thresholds
        var confidenceCode: String
    }

    private func classification(of operation: String) -> Classification {
        classifications[operation] ?? defaultClassification
    }
}
