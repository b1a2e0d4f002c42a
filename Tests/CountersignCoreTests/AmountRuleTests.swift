import CountersignCore
import Foundation
import Testing

/// Rules 2 and 3: amount limits (strictly greater fires) and the reference-ratio sanity rule.
@Suite("Amount and sanity rules")
struct AmountRuleTests {
    let engine = DecisionEngine(policy: .default)

    @Test(
        "approve_over 500 and escalate_over 5000, strictly greater",
        arguments: [
            ("0", [String](), Level.auto),
            ("499.99", [], .auto),
            ("500", [], .auto),
            ("500.00", [], .auto),
            ("500.000000", [], .auto),
            ("500.01", ["amount.approve_over"], .approve),
            ("500.000001", ["amount.approve_over"], .approve),
            ("1000", ["amount.approve_over"], .approve),
            ("4999.99", ["amount.approve_over"], .approve),
            ("5000", ["amount.approve_over"], .approve),
            ("5000.00", ["amount.approve_over"], .approve),
            ("5000.01", ["amount.approve_over", "amount.escalate_over"], .escalate),
            ("1000000", ["amount.approve_over", "amount.escalate_over"], .escalate),
        ])
    func limits(amount: String, codes: [String], level: Level) {
        // Confidence 1.0 is auto for every class: only the amount rules speak.
        let verdict = engine.decide(makeProposal(operation: "refund", confidence: 1.0, amount: amount))
        #expect(verdict.codes == codes)
        #expect(verdict.level == level)
        #expect(verdict.baseLevel == level)
        for reason in verdict.reasons {
            #expect(reason.level == (reason.code == "amount.escalate_over" ? .escalate : .approve))
        }
    }

    @Test("above escalate_over both amount rules fire and the level is escalate (the seed's dead branch)")
    func bothFireAboveEscalate() throws {
        let verdict = engine.decide(makeProposal(operation: "lookup_order", confidence: 1.0, amount: "5000.01"))
        #expect(verdict.level == .escalate)
        #expect(verdict.codes == ["amount.approve_over", "amount.escalate_over"])
        let escalate = try #require(verdict.reasons.last)
        #expect(escalate.detail.contains("5,000.01"))
        #expect(escalate.detail.contains("5,000.00"))
    }

    @Test("reason details show grouped amounts with the currency")
    func details() throws {
        let verdict = engine.decide(makeProposal(amount: "2400"))
        let reason = try #require(verdict.reasons.first)
        #expect(reason.code == "amount.approve_over")
        #expect(reason.detail.contains("2,400.00"))
        #expect(reason.detail.contains("USD"))
        #expect(reason.detail.contains("500.00"))
        let big = engine.decide(makeProposal(amount: "1234567.8", currency: "USD"))
        #expect(big.reasons.contains { $0.detail.contains("1,234,567.80 USD") })
    }

    /// The largest accepted amounts (beyond them a proposal is refused: see MoneyTests).
    @Test(
        "huge amounts keep their value and exceed the limits",
        arguments: ["1e17", "123456789e9", "999999999999999999.999999999999999999"])
    func hugeAmounts(amount: String) throws {
        let proposal = makeProposal(confidence: 1.0, amount: amount)
        #expect(proposal.amount == money(amount))
        let verdict = engine.decide(proposal)
        #expect(verdict.codes == ["amount.approve_over", "amount.escalate_over"])
        #expect(verdict.level == .escalate)
        // The same amount read from JSON.
        let decoded = try decodeProposal(#"{"agent":"a","operation":"refund","confidence":1,"action":"x","amount":"# + amount + "}")
        #expect(engine.decide(decoded).codes == ["amount.approve_over", "amount.escalate_over"])
    }

    @Test("a huge limit is a huge limit, not zero")
    func hugeLimit() {
        var policy = Policy.default
        policy.amounts = AmountRules(approveOver: money("1e40"), escalateOver: money("1e41"), urgentOver: nil)
        policy.sanity = SanityRules(maxReferenceRatio: money("1e40"))
        let verdict = DecisionEngine(policy: policy).decide(makeProposal(confidence: 1.0, amount: "600", reference: "1"))
        #expect(verdict.reasons.isEmpty)
    }

    @Test("no amount, no amount rules")
    func noAmount() {
        #expect(engine.decide(makeProposal(amount: nil, reference: "1")).reasons.isEmpty)
    }

    @Test("amount rules that are off never fire")
    func rulesOff() {
        var policy = Policy.default
        policy.amounts = AmountRules(approveOver: nil, escalateOver: nil, urgentOver: nil)
        policy.sanity = SanityRules(maxReferenceRatio: nil)
        let verdict = DecisionEngine(policy: policy).decide(makeProposal(amount: "999999", reference: "1"))
        #expect(verdict.reasons.isEmpty)
        #expect(verdict.level == .auto)
    }

    // MARK: Sanity

    @Test("the refund of 2,400 on a 240 order escalates even at confidence 1.0")
    func refundOfTenTimes() throws {
        let verdict = engine.decide(makeProposal(operation: "refund", confidence: 1.0, amount: "2400.00", reference: "240.00"))
        #expect(verdict.level == .escalate)
        #expect(verdict.codes == ["amount.approve_over", "sanity.reference_ratio"])
        let sanity = try #require(verdict.reasons.last)
        #expect(sanity.level == .escalate)
        #expect(sanity.detail.contains("10.0×"))
        #expect(sanity.detail.contains("240.00"))
        #expect(verdict.reasons[0].detail.contains("2,400.00"))
    }

    @Test(
        "sanity: amount > reference × ratio, strictly",
        arguments: [
            ("240", "240", "1", false),
            ("240.00", "240", "1", false),
            ("240.01", "240", "1", true),
            ("2400", "240", "1", true),
            ("10", "0", "1", true),
            ("0.01", "0", "1", true),
            ("0", "0", "1", false),
            ("0", "240", "1", false),
            ("360", "240", "1.5", false),
            ("360.01", "240", "1.5", true),
            ("0.3", "0.1", "3", false),
            ("0.31", "0.1", "3", true),
        ])
    func ratio(amount: String, reference: String, ratio: String, fires: Bool) {
        var policy = Policy.default
        policy.sanity = SanityRules(maxReferenceRatio: money(ratio))
        policy.amounts = AmountRules(approveOver: nil, escalateOver: nil, urgentOver: nil)
        let verdict = DecisionEngine(policy: policy).decide(makeProposal(confidence: 1.0, amount: amount, reference: reference))
        #expect(verdict.codes == (fires ? ["sanity.reference_ratio"] : []))
        #expect(verdict.level == (fires ? .escalate : .auto))
    }

    @Test("a zero reference is not divided by")
    func zeroReferenceDetail() throws {
        let verdict = engine.decide(makeProposal(amount: "10", reference: "0"))
        let reason = try #require(verdict.reasons.first { $0.code == "sanity.reference_ratio" })
        #expect(reason.detail.contains("0.00"))
        #expect(!reason.detail.contains("inf"))
        #expect(!reason.detail.contains("nan"))
    }

    @Test("no reference amount, no sanity rule")
    func noReference() {
        #expect(!engine.decide(makeProposal(amount: "400")).codes.contains("sanity.reference_ratio"))
    }

    // MARK: Currency

    @Test("an amount in another currency than the policy's is refused")
    func currencyMismatch() throws {
        let engine = engine
        let error = #expect(throws: ProposalError.self) {
            try engine.validate(makeProposal(amount: "100", currency: "EUR"))
        }
        #expect(error?.code.rawValue == "currency_mismatch")
        #expect(error?.field == "currency")
        #expect(error?.message.contains("EUR") == true)
        #expect(error?.message.contains("USD") == true)

        let referenceOnly = #expect(throws: ProposalError.self) {
            try engine.validate(makeProposal(amount: nil, currency: "GBP", reference: "20"))
        }
        #expect(referenceOnly?.code.rawValue == "currency_mismatch")
    }

    @Test("the policy's own currency, no currency, or a currency without amounts is fine")
    func currencyAccepted() throws {
        try engine.validate(makeProposal(amount: "100", currency: "USD"))
        try engine.validate(makeProposal(amount: "100"))
        try engine.validate(makeProposal(amount: nil, currency: "EUR"))
        var policy = Policy.default
        policy.currency = "EUR"
        try DecisionEngine(policy: policy).validate(makeProposal(amount: "100", currency: "EUR"))
        #expect(throws: ProposalError.self) { try DecisionEngine(policy: policy).validate(makeProposal(amount: "100", currency: "USD")) }
    }

    // MARK: Money format

    @Test(
        "MoneyFormat groups thousands and shows at least two decimals",
        arguments: [
            ("0", "0.00"), ("5", "5.00"), ("500", "500.00"), ("2400", "2,400.00"), ("2400.5", "2,400.50"),
            ("1234567.891", "1,234,567.891"), ("100000", "100,000.00"), ("0.05", "0.05"),
        ])
    func moneyFormat(amount: String, shown: String) {
        #expect(MoneyFormat.format(money(amount)) == shown)
        #expect(MoneyFormat.format(money(amount), currency: "EUR") == shown + " EUR")
        #expect(MoneyFormat.format(money(amount), currency: nil) == shown)
    }
}
