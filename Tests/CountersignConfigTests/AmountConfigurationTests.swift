import CountersignConfig
import CountersignCore
import Foundation
import Testing

/// Issue 15: amounts in configuration obey the product's bounds, and `max_amount` and a route's
/// `amount_over` are limits per currency (a number is in the policy's currency).
@Suite struct AmountConfigurationTests {
    let environment = ["BOT_KEY": "bot-key-0123456789abcdef", "ALICE_TOKEN": "alice-token-0123456789ab"]

    func configuration(_ yaml: String) throws -> ServerConfiguration {
        try ServerConfigurationFile.parse(yaml: yaml, file: "c.yaml", environment: environment)
    }

    @Test(
        "max_amount: a number is in the policy's currency (wherever the policy is in the file); a mapping names each currency",
        arguments: [
            ("policy: {currency: EUR}\napprovers:\n  - {name: alice, token_env: ALICE_TOKEN, may_approve: {max_amount: 10000}}\n", ["EUR": 10000]),
            ("approvers:\n  - {name: alice, token_env: ALICE_TOKEN, may_approve: {max_amount: 10000}}\npolicy: {currency: EUR}\n", ["EUR": 10000]),
            ("approvers:\n  - {name: alice, token_env: ALICE_TOKEN, may_approve: {max_amount: 10_000}}\n", ["USD": 10000]),
            (
                "approvers:\n  - {name: alice, token_env: ALICE_TOKEN, may_approve: {max_amount: {USD: 10000, EUR: 9000.50}}}\n",
                ["USD": 10000, "EUR": Decimal(string: "9000.5")!]
            ),
        ] as [(String, [String: Decimal])])
    func maxAmount(yaml: String, expected: [String: Decimal]) throws {
        let rights = try #require(try configuration(yaml).approvers.first?.rights)
        #expect(rights.maxAmount?.byCurrency == expected)
        #expect(rights.maxAmount?.policyCurrency == (expected["EUR"] != nil && expected.count == 1 ? "EUR" : "USD"))
    }

    @Test(
        "amounts beyond the bounds, negative, or currencies that are not codes are refused at their line",
        arguments: [
            (
                "approvers:\n  - {name: alice, token_env: ALICE_TOKEN, may_approve: {max_amount: 1e128}}\n",
                "may_approve.max_amount must be a number from 0"
            ),
            ("approvers:\n  - {name: alice, token_env: ALICE_TOKEN, may_approve: {max_amount: -5}}\n", "may_approve.max_amount must not be negative"),
            ("approvers:\n  - {name: alice, token_env: ALICE_TOKEN, may_approve: {max_amount: {euro: 5}}}\n", "three-letter ISO 4217"),
            (
                "approvers:\n  - {name: alice, token_env: ALICE_TOKEN, may_approve: {max_amount: {EUR: 1e19}}}\n",
                "max_amount.EUR must be a number from 0"
            ),
            ("policy: {amounts: {dual_approval_over: 1e128}}\n", "amounts.dual_approval_over must be a number from 0"),
            ("policy: {amounts: {approve_over: 0.0000000000000000001}}\n", "amounts.approve_over must be a number from 0"),
            ("policy: {amounts: {other_currencies: {EUR: {urgent_over: 1E128}}}}\n", "amounts.other_currencies.EUR.urgent_over must be a number"),
            ("policy: {sanity: {max_reference_ratio: 1e40}}\n", "sanity.max_reference_ratio must be a number from 0"),
        ])
    func refused(yaml: String, fragment: String) throws {
        let error = try #require(throws: ConfigError.self) { try configuration(yaml) }
        #expect(error.issues.contains { $0.message.contains(fragment) && $0.line > 0 }, "\(error.issues)")
    }

    @Test func aRouteAmountOverIsPerCurrency() throws {
        let yaml = """
            policy: {currency: GBP}
            approvers:
              - {name: alice, token_env: ALICE_TOKEN}
            routing:
              routes:
                - match: {amount_over: 100}
                  steps: [{approvers: [alice]}]
                - match: {amount_over: {USD: 120, EUR: 110}}
                  steps: [{approvers: [alice]}]
            """
        let routes = try configuration(yaml).routing.routes
        #expect(
            routes.map(\.match.amountOver) == [
                AmountLimit(100, policyCurrency: "GBP"), AmountLimit(policyCurrency: "GBP", byCurrency: ["USD": 120, "EUR": 110]),
            ])
        // A GBP amount under the second route's limits cannot be compared: it matches.
        #expect(routes[1].match.matches(riskClass: "financial", operation: "refund", amount: 1, currency: nil))
        #expect(!routes[1].match.matches(riskClass: "financial", operation: "refund", amount: 100, currency: "EUR"))
    }
}
