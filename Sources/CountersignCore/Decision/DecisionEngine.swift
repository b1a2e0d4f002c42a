import Foundation

/// Turns a proposal into a verdict under a policy (CONTRACT §2). Pure: the caller supplies the
/// subject's history (ask `historyQuery(for:now:)` what to load) and the clock.
public struct DecisionEngine: Sendable {
    public let policy: Policy
    private let scanner: ContentScanner

    public init(policy: Policy) {
        self.policy = policy
        self.scanner = ContentScanner(rules: policy.escalation)
    }

    /// Refuses input that no rule can judge: an amount in another currency than the policy's.
    public func validate(_ proposal: Proposal) throws(ProposalError) {
        if let currency = proposal.currency, currency != policy.currency, proposal.amount != nil || proposal.referenceAmount != nil {
            throw ProposalError(
                code: "currency_mismatch",
                message: "currency is \(currency) but the policy's amount rules are in \(policy.currency)",
                field: "currency")
        }
    }

    /// What the stateful rules need to know about the proposal's subject, or `nil` when the
    /// proposal names no subject or those rules are off.
    public func historyQuery(for proposal: Proposal, now: Date) -> HistoryQuery? {
        guard let subject = proposal.subject else { return nil }
        let rules = policy.escalation
        let streak = rules.lowConfidenceStreak
        let query = HistoryQuery(
            agent: proposal.agent, subject: subject,
            recentSince: now.addingTimeInterval(-(streak?.within ?? 0)),
            recentLimit: max((streak?.count ?? 1) - 1, 0),
            approvalsSince: rules.approvalsPerSubject.map { now.addingTimeInterval(-$0.within) },
            decisionLimit: rules.consecutiveRejections ?? 0)
        if query.recentLimit == 0, query.approvalsSince == nil, query.decisionLimit == 0 { return nil }
        return query
    }

    /// The verdict: the most severe level of every rule that fired, and all their reasons.
    public func decide(_ proposal: Proposal, history: SubjectHistory = .empty) -> Verdict {
        var reasons: [Reason] = []
        reasons.reserveCapacity(4)
        let (riskClass, thresholds) = policy.classify(proposal.operation)

        // 1. Confidence against the class's thresholds.
        let tier = thresholds.level(for: proposal.confidence)
        if tier != .auto {
            let (name, threshold) =
                switch tier {
                case .notify: ("auto", thresholds.auto)
                case .approve: ("notify", thresholds.notify)
                default: ("approve", thresholds.approve)
                }
            reasons.append(
                Reason(
                    code: ReasonCode.confidence(riskClass), level: tier,
                    detail: "confidence \(Self.format(proposal.confidence)) is below the \(name) threshold \(Self.format(threshold)) for \(riskClass)"))
        }

        // 2. Amount rules, each checked on its own: both fire above escalate_over.
        let currency = proposal.currency ?? policy.currency
        if let amount = proposal.amount {
            let shown = MoneyFormat.format(amount, currency: currency)
            if let limit = policy.amounts.approveOver, amount > limit {
                reasons.append(Reason(code: ReasonCode.approveOver, level: .approve, detail: "amount \(shown) is over \(MoneyFormat.format(limit))"))
            }
            if let limit = policy.amounts.escalateOver, amount > limit {
                reasons.append(Reason(code: ReasonCode.escalateOver, level: .escalate, detail: "amount \(shown) is over \(MoneyFormat.format(limit))"))
            }
            // 3. Sanity: the refund of 2,400 on a 240 order.
            if let ratio = policy.sanity.maxReferenceRatio, let reference = proposal.referenceAmount, amount > reference * ratio {
                let times = reference > 0 ? "\(Self.format(NSDecimalNumber(decimal: amount / reference).doubleValue, digits: 1))×" : "more than"
                reasons.append(
                    Reason(
                        code: ReasonCode.referenceRatio, level: .escalate,
                        detail: "amount is \(times) the reference \(MoneyFormat.format(reference)) (at most \(Self.format(NSDecimalNumber(decimal: ratio).doubleValue, digits: 1))×)"))
            }
        }
        let baseLevel = reasons.reduce(Level.auto) { max($0, $1.level) }

        // 4. Hard escalation rules, whatever the confidence.
        let findings = scanner.scan(proposal)
        for kind in findings.pii {
            reasons.append(Reason(code: ReasonCode.pii(kind), level: .escalate, detail: "the proposal contains \(kind.label)"))
        }
        if let phrase = findings.humanRequest {
            reasons.append(Reason(code: ReasonCode.humanRequest, level: .escalate, detail: "the customer asked for a person (“\(phrase)”)"))
        }
        if let phrase = findings.legal {
            reasons.append(Reason(code: ReasonCode.legal, level: .escalate, detail: "the proposal mentions a legal or compliance matter (“\(phrase)”)"))
        }
        let rules = policy.escalation
        if let subject = proposal.subject {
            if let count = rules.consecutiveRejections, count > 0, history.recentDecisions.count >= count,
                history.recentDecisions.prefix(count).allSatisfy({ $0 == .rejected })
            {
                reasons.append(
                    Reason(
                        code: ReasonCode.consecutiveRejections, level: .escalate,
                        detail: "the last \(count) decided approvals of \(proposal.agent) for \(subject) were rejected"))
            }
            if let limit = rules.approvalsPerSubject, baseLevel == .approve, history.approvalCount + 1 >= limit.max {
                reasons.append(
                    Reason(
                        code: ReasonCode.approvalsPerSubject, level: .escalate,
                        detail: "this would be approval number \(history.approvalCount + 1) for \(subject) within \(DurationText.format(limit.within)) (the limit is \(limit.max))"))
            }
            // 5. Soft rule: a streak of low confidence for this subject.
            if let streak = rules.lowConfidenceStreak, proposal.confidence < streak.below, history.recentProposals.count >= streak.count - 1,
                history.recentProposals.prefix(streak.count - 1).allSatisfy({ $0.confidence < streak.below })
            {
                reasons.append(
                    Reason(
                        code: ReasonCode.lowConfidenceStreak, level: .escalate,
                        detail: "the last \(streak.count) proposals for \(subject) within \(DurationText.format(streak.within)) all had confidence below \(Self.format(streak.below))"))
            }
        }
        let level = reasons.reduce(Level.auto) { max($0, $1.level) }
        return Verdict(level: level, riskClass: riskClass, reasons: reasons, baseLevel: baseLevel)
    }

    /// A number as people write it: `0.97`, `0.6`, `10.0`.
    static func format(_ value: Double, digits: Int? = nil) -> String {
        if let digits {
            let scale = pow(10, Double(digits))
            let rounded = (value * scale).rounded() / scale
            var text = String(rounded)
            if let dot = text.firstIndex(of: ".") {
                let decimals = text.distance(from: dot, to: text.endIndex) - 1
                if decimals < digits { text += String(repeating: "0", count: digits - decimals) }
            }
            return text
        }
        return String((value * 10000).rounded() / 10000)
    }
}
