import CountersignCore
import CountersignStore
import Foundation

/// The two Slack messages that replace one-by-one pushes: the periodic digest of `notify`-level
/// proposals (executed, told afterwards) and the summary of approvals a push cap held back.
/// Both list at most `SlackDigest.maximumItems` lines and say how many more there are; each line
/// starts with the gateway's own facts (amount, deadline) and ends with the agent's one-line text.
public enum SlackDigest {
    public static let maximumItems = 25

    /// The digest of `records` received in `[from, to)`.
    public static func digest(_ records: [ProposalRecord], from: Date, to: Date, mention: String?) -> (text: String, blocks: JSONValue) {
        let title = "Digest: \(records.count) action\(records.count == 1 ? "" : "s") taken with notice"
        let lines = records.map { record -> String in
            let proposal = record.proposal
            let amount = proposal.amount.map { "*\(MoneyFormat.format($0, currency: proposal.currency))* — " } ?? ""
            return "• \(amount)*\(SlackCard.escapeLine(proposal.agent))*: \(SlackCard.escapeLine(proposal.action))"
        }
        let window = "\(Timestamp.format(from)) to \(Timestamp.format(to))"
        return message(title: title, intro: "\(mentionText(mention))Executed without waiting for anyone, \(window):", lines: lines)
    }

    /// The summary of pending approvals that have no card for this approver yet.
    public static func summary(_ views: [ApprovalView], mention: String?) -> (text: String, blocks: JSONValue) {
        let title = "\(views.count) more approval\(views.count == 1 ? "" : "s") waiting for you"
        let lines = views.map { view -> String in
            let proposal = view.proposal.proposal
            let amount = proposal.amount.map { "*\(MoneyFormat.format($0, currency: proposal.currency))* — " } ?? ""
            return "• \(amount)deadline \(Timestamp.format(view.approval.deadline)): \(SlackCard.escapeLine(proposal.action))"
        }
        return message(
            title: title, intro: "\(mentionText(mention))Your hourly limit of cards was reached; decide these in the Countersign console:",
            lines: lines)
    }

    private static func mentionText(_ mention: String?) -> String { mention.map { "<@\($0)> " } ?? "" }

    private static func message(title: String, intro: String, lines: [String]) -> (text: String, blocks: JSONValue) {
        var shown = Array(lines.prefix(maximumItems))
        if lines.count > maximumItems { shown.append("…and \(lines.count - maximumItems) more") }
        let blocks: JSONValue = .array([
            .object([.init("type", .string("header")), .init("text", SlackCard.plain(SlackLimits.truncate(title, SlackLimits.headerText)))]),
            SlackCard.section(intro + "\n" + shown.joined(separator: "\n"), id: "items"),
        ])
        return (SlackLimits.truncate(title, 3000), blocks)
    }
}
