import Foundation

/// A money limit with one value per currency (approver `max_amount`, routing `amount_over`,
/// the policy's `urgent_over` and `dual_approval_over`). Amounts are never compared across
/// currencies: an amount in a currency the limit names no value for cannot be compared, and
/// counts as over it (the safe reading: held, two approvers, urgent, not decidable alone).
public struct AmountLimit: Sendable, Hashable {
    /// The currency of an amount that names none (the policy's).
    public var policyCurrency: String
    /// The limit in each currency, by ISO 4217 code.
    public var byCurrency: [String: Decimal]

    public init(policyCurrency: String, byCurrency: [String: Decimal]) {
        self.policyCurrency = policyCurrency
        self.byCurrency = byCurrency
    }

    /// A single limit in the policy's currency.
    public init(_ limit: Decimal, policyCurrency: String) {
        self.init(policyCurrency: policyCurrency, byCurrency: [policyCurrency: limit])
    }

    /// How an amount stands against the limit.
    public enum Comparison: Sendable, Hashable {
        /// At or under the limit of its currency.
        case within
        /// Strictly over `limit` (in `currency`).
        case over(limit: Decimal, currency: String)
        /// The limit names no value for `currency`: the amount cannot be compared.
        case noLimit(currency: String)
    }

    /// Where `amount` in `currency` (`nil`: the policy's) stands.
    public func compare(_ amount: Decimal, currency: String?) -> Comparison {
        let currency = currency ?? policyCurrency
        guard let limit = byCurrency[currency] else { return .noLimit(currency: currency) }
        // NaN is never within a limit.
        if amount.isNaN { return .over(limit: limit, currency: currency) }
        return amount > limit ? .over(limit: limit, currency: currency) : .within
    }

    /// Whether `amount` in `currency` is over the limit or cannot be compared with it.
    public func isExceeded(by amount: Decimal, currency: String?) -> Bool {
        compare(amount, currency: currency) != .within
    }
}

extension AmountRules {
    /// One of the rules (`\.urgentOver`, `\.dualApprovalOver`, …) as a limit per currency: the
    /// policy currency's value and each of `otherCurrencies`' own; `nil` when the policy's currency
    /// has it off (then it is off in every currency). A listed currency without the rule has no
    /// value, so its amounts count as over it.
    public func limit(_ rule: KeyPath<AmountRules, Decimal?>, policyCurrency: String) -> AmountLimit? {
        guard let base = self[keyPath: rule] else { return nil }
        var byCurrency: [String: Decimal] = [policyCurrency: base]
        for (code, rules) in otherCurrencies {
            if let value = rules[keyPath: rule] { byCurrency[code] = value }
        }
        return AmountLimit(policyCurrency: policyCurrency, byCurrency: byCurrency)
    }
}
