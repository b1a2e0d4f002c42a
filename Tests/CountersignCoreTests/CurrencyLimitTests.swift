import CountersignCore
import Foundation
import Testing

/// Issue 15, item 8: limits are per currency; an amount in a currency a limit has no value for
/// is never passed under it (amounts are never compared across currencies).
@Suite("Limits per currency")
struct CurrencyLimitTests {
    static let usdOnly = AmountLimit(10000, policyCurrency: "USD")
    static let both = AmountLimit(policyCurrency: "USD", byCurrency: ["USD": 10000, "EUR": 9000])

    struct Case: Sendable, CustomTestStringConvertible {
        var limit: AmountLimit
        var amount: Decimal
        var currency: String?
        var allowed: Bool
        var testDescription: String { "\(amount) \(currency ?? "(policy's)") under \(limit.byCurrency) → \(allowed ? "may" : "may not")" }
    }

    @Test(
        "max_amount: may an approver decide it alone",
        arguments: [
            Case(limit: usdOnly, amount: 9000, currency: "USD", allowed: true),
            Case(limit: usdOnly, amount: 9000, currency: nil, allowed: true),
            Case(limit: usdOnly, amount: 10000, currency: "USD", allowed: true),
            Case(limit: usdOnly, amount: 10001, currency: "USD", allowed: false),
            Case(limit: usdOnly, amount: 10000, currency: "EUR", allowed: false),
            Case(limit: usdOnly, amount: 1, currency: "EUR", allowed: false),
            Case(limit: both, amount: 9000, currency: "EUR", allowed: true),
            Case(limit: both, amount: 9500, currency: "EUR", allowed: false),
            Case(limit: both, amount: 9500, currency: nil, allowed: true),
            Case(limit: both, amount: 1, currency: "GBP", allowed: false),
        ])
    func maxAmount(test: Case) {
        let rights = ApproverRights(maxAmount: test.limit)
        let refusal = rights.refusal(riskClass: "financial", amount: test.amount, currency: test.currency)
        #expect((refusal == nil) == test.allowed, "\(refusal ?? "allowed")")
        if let refusal, test.currency == "EUR", test.limit.byCurrency["EUR"] == nil { #expect(refusal.contains("no EUR limit")) }
        // No amount: only the risk classes matter.
        #expect(rights.refusal(riskClass: "financial", amount: nil, currency: test.currency) == nil)
    }

    struct DualCase: Sendable, CustomTestStringConvertible {
        var eur: AmountRules?
        var amount: Decimal
        var currency: String?
        var approvers: Int
        var testDescription: String {
            "\(amount) \(currency ?? "(policy's)") with EUR rules \(eur.map { "\($0.dualApprovalOver.map { "\($0)" } ?? "none")" } ?? "unlisted") → \(approvers)"
        }
    }

    @Test(
        "dual_approval_over: how many approvers",
        arguments: [
            DualCase(eur: nil, amount: 20000, currency: "USD", approvers: 2),
            DualCase(eur: nil, amount: 9000, currency: nil, approvers: 1),
            DualCase(
                eur: AmountRules(approveOver: 450, escalateOver: nil, urgentOver: nil, dualApprovalOver: 9000), amount: 9500, currency: "EUR",
                approvers: 2),
            DualCase(
                eur: AmountRules(approveOver: 450, escalateOver: nil, urgentOver: nil, dualApprovalOver: 9000), amount: 8000, currency: "EUR",
                approvers: 1),
            DualCase(eur: AmountRules(approveOver: 450, escalateOver: nil, urgentOver: nil), amount: 1_000_000, currency: "EUR", approvers: 2),
            DualCase(eur: AmountRules(approveOver: 450, escalateOver: nil, urgentOver: nil), amount: 1, currency: "EUR", approvers: 2),
            DualCase(eur: nil, amount: 1_000_000, currency: "EUR", approvers: 2),
        ])
    func dualApproval(test: DualCase) {
        var rules = AmountRules(approveOver: 500, escalateOver: 5000, urgentOver: 1000, dualApprovalOver: 10000)
        if let eur = test.eur { rules.otherCurrencies["EUR"] = eur }
        #expect(rules.requiredApprovals(amount: test.amount, currency: test.currency, policyCurrency: "USD") == test.approvers)
    }

    @Test("dual approval off in the policy's currency is off everywhere; no amount needs one approver")
    func dualOff() {
        var rules = AmountRules(approveOver: 500, escalateOver: 5000, urgentOver: 1000)
        rules.otherCurrencies["EUR"] = AmountRules(approveOver: 450, escalateOver: nil, urgentOver: nil)
        #expect(rules.requiredApprovals(amount: 1_000_000, currency: "EUR", policyCurrency: "USD") == 1)
        #expect(
            AmountRules(approveOver: nil, escalateOver: nil, urgentOver: nil, dualApprovalOver: 1).requiredApprovals(
                amount: nil, currency: "EUR", policyCurrency: "USD") == 1)
    }

    @Test(
        "urgent_over and routing amount_over per currency",
        arguments: [
            (Decimal(950), "EUR", true), (Decimal(850), "EUR", false), (Decimal(950), "USD", false), (Decimal(1001), nil, true),
            (Decimal(5), "GBP", true),
        ] as [(Decimal, String?, Bool)])
    func urgentAndRoutes(amount: Decimal, currency: String?, over: Bool) {
        let limit = AmountLimit(policyCurrency: "USD", byCurrency: ["USD": 1000, "EUR": 900])
        #expect(NotificationRouter(urgentOver: limit).isUrgent(amount, currency: currency) == over)
        let match = Routing.Match(amountOver: limit)
        #expect(match.matches(riskClass: "financial", operation: "refund", amount: amount, currency: currency) == over)
        #expect(!match.matches(riskClass: "financial", operation: "refund", amount: nil, currency: currency))
    }

    @Test("the policy's urgent_over becomes a limit per currency; a listed currency without one counts as over")
    func urgentFromPolicy() throws {
        var rules = AmountRules(approveOver: 500, escalateOver: 5000, urgentOver: 1000)
        rules.otherCurrencies["EUR"] = AmountRules(approveOver: 450, escalateOver: 4500, urgentOver: 900)
        rules.otherCurrencies["GBP"] = AmountRules(approveOver: 400, escalateOver: 4000, urgentOver: nil)
        let limit = try #require(rules.limit(\.urgentOver, policyCurrency: "USD"))
        #expect(limit.byCurrency == ["USD": 1000, "EUR": 900])
        #expect(limit.isExceeded(by: 5, currency: "GBP"))
        #expect(!limit.isExceeded(by: 900, currency: "EUR"))
        #expect(AmountRules(approveOver: 1, escalateOver: 2, urgentOver: nil).limit(\.urgentOver, policyCurrency: "USD") == nil)
    }
}
