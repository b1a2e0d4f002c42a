import Foundation

/// What one approver may decide (`may_approve` in the server configuration).
public struct ApproverRights: Sendable, Hashable {
    /// The risk classes the approver may decide; `nil` means all.
    public var riskClasses: Set<String>?
    /// The largest amount the approver may decide; `nil` means no limit.
    public var maxAmount: Decimal?

    public init(riskClasses: Set<String>? = nil, maxAmount: Decimal? = nil) {
        self.riskClasses = riskClasses
        self.maxAmount = maxAmount
    }

    /// Anyone who may decide anything.
    public static let unlimited = ApproverRights()

    /// Why the approver may not decide an approval of `riskClass` moving `amount`, or `nil` when they may.
    public func refusal(riskClass: String, amount: Decimal?) -> String? {
        if let riskClasses, !riskClasses.contains(riskClass) {
            return "may not decide \(riskClass) actions (allowed: \(riskClasses.sorted().joined(separator: ", ")))"
        }
        if let maxAmount, let amount, amount > maxAmount {
            return "may not decide amounts over \(MoneyFormat.format(maxAmount)) (this one is \(MoneyFormat.format(amount)))"
        }
        return nil
    }
}
