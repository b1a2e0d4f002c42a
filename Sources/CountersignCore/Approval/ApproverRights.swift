import Foundation

/// What one approver may decide (`may_approve` in the server configuration).
public struct ApproverRights: Sendable, Hashable {
    /// The risk classes the approver may decide; `nil` means all.
    public var riskClasses: Set<String>?
    /// The largest amount the approver may decide, per currency; `nil` means no limit. An amount
    /// in a currency the limit names no value for is one the approver may not decide.
    public var maxAmount: AmountLimit?

    public init(riskClasses: Set<String>? = nil, maxAmount: AmountLimit? = nil) {
        self.riskClasses = riskClasses
        self.maxAmount = maxAmount
    }

    /// Anyone who may decide anything.
    public static let unlimited = ApproverRights()

    /// Why the approver may not decide an approval of `riskClass` moving `amount` in `currency`
    /// (`nil`: the policy's), or `nil` when they may.
    public func refusal(riskClass: String, amount: Decimal?, currency: String?) -> String? {
        if let riskClasses, !riskClasses.contains(riskClass) {
            return "may not decide \(riskClass) actions (allowed: \(riskClasses.sorted().joined(separator: ", ")))"
        }
        guard let maxAmount, let amount else { return nil }
        switch maxAmount.compare(amount, currency: currency) {
        case .within: return nil
        case .over(let limit, let code):
            return
                "may not decide amounts over \(MoneyFormat.format(limit, currency: code)) (this one is \(MoneyFormat.format(amount, currency: code)))"
        case .noLimit(let code):
            return "may not decide amounts in \(code): max_amount sets no \(code) limit, and amounts are never compared across currencies"
        }
    }

    /// Why the approver may not decide `proposal` (held in `riskClass`), or `nil` when they may.
    public func refusal(riskClass: String, proposal: Proposal) -> String? {
        refusal(riskClass: riskClass, amount: proposal.amount, currency: proposal.currency)
    }
}
