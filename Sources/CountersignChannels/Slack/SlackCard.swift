import CountersignCore
import CountersignStore
import Foundation

/// The Block Kit card of an approval: what the agent wants to do, the amount in bold with its
/// currency, the confidence, the agent's reasoning, why the policy held it, the deadline and the
/// fallback; while pending, the buttons Approve / Reject / Take over (each `value` is the approval
/// id); once decided, who decided and when instead of the buttons. Text the agent wrote is escaped
/// (`&`, `<`, `>`) so it can neither mention anyone nor forge a link, and every text is cut to
/// Slack's limits.
public struct SlackCard: Sendable {
    /// The `action_id` of each button.
    public static let actions: [(decision: HumanDecision, label: String, style: String?)] = [
        (.approve, "Approve", "primary"), (.reject, "Reject", "danger"), (.takeOver, "Take over", nil),
    ]

    public var view: ApprovalView
    /// Mentioned at the top when the card is posted to a shared conversation.
    public var mention: String?

    public init(view: ApprovalView, mention: String? = nil) {
        self.view = view
        self.mention = mention
    }

    /// The `blocks` array.
    public var blocks: JSONValue {
        let proposal = view.proposal.proposal
        let verdict = view.proposal.verdict
        let approval = view.approval
        var blocks: [JSONValue] = []
        let title =
            approval.status == .pending ? "Approval needed: \(proposal.operation)" : "\(Self.statusWord(approval.status)): \(proposal.operation)"
        blocks.append(.object([.init("type", .string("header")), .init("text", Self.plain(SlackLimits.truncate(title, SlackLimits.headerText)))]))
        var summary = ""
        if let mention { summary += "<@\(mention)> " }
        summary += "*\(Self.escape(proposal.agent))* wants to: \(Self.escape(proposal.action))"
        if let amount = proposal.amount {
            summary += "\n*Amount:* *\(MoneyFormat.format(amount, currency: proposal.currency))*"
        }
        summary +=
            "\n*Confidence:* \(Self.percent(proposal.confidence))   *Risk class:* \(Self.escape(verdict.riskClass))   *Level:* \(verdict.level.rawValue)"
        if let subject = proposal.subject { summary += "\n*Subject:* \(Self.escape(subject))" }
        blocks.append(Self.section(summary, id: "summary"))
        if let reasoning = proposal.reasoning, !reasoning.isEmpty {
            blocks.append(Self.section("*Reasoning:* \(Self.escape(reasoning))", id: "reasoning"))
        }
        if let impact = proposal.impact, !impact.isEmpty { blocks.append(Self.section("*Impact:* \(Self.escape(impact))", id: "impact")) }
        if !verdict.reasons.isEmpty {
            let lines = verdict.reasons.map { "• \(Self.escape($0.detail)) (`\($0.code)`)" }
            blocks.append(Self.section("*Why a human is needed:*\n" + lines.joined(separator: "\n"), id: "reasons"))
        }
        let seconds = Int64(approval.deadline.timeIntervalSince1970)
        let deadline = "<!date^\(seconds)^{date_short_pretty} {time}|\(Timestamp.format(approval.deadline))>"
        blocks.append(Self.section("*Deadline:* \(deadline)\n*Fallback (if no or no answer):* \(Self.escape(approval.fallback))", id: "deadline"))
        if approval.status == .pending {
            if approval.firstApprovedBy != nil {
                blocks.append(
                    Self.section(
                        ":hourglass: First approval by *\(Self.escape(approval.firstApprovedBy ?? ""))*; a second approver is needed.", id: "first"))
            }
            let buttons = Self.actions.map { action -> JSONValue in
                var members: [JSONMember] = [
                    .init("type", .string("button")), .init("action_id", .string(action.decision.rawValue)),
                    .init("text", Self.plain(action.label)), .init("value", .string(String(approval.id.prefix(SlackLimits.buttonValue)))),
                ]
                if let style = action.style { members.append(.init("style", .string(style))) }
                return .object(members)
            }
            blocks.append(
                .object([.init("type", .string("actions")), .init("block_id", .string("countersign")), .init("elements", .array(buttons))]))
        } else {
            blocks.append(Self.section(outcome, id: "outcome"))
        }
        return .array(Array(blocks.prefix(SlackLimits.blocksPerMessage)))
    }

    /// The plain-text `text` Slack shows in notifications and where blocks cannot be shown.
    public var text: String {
        let proposal = view.proposal.proposal
        let amount = proposal.amount.map { " (\(MoneyFormat.format($0, currency: proposal.currency)))" } ?? ""
        let head = view.approval.status == .pending ? "Approval needed" : Self.statusWord(view.approval.status)
        return SlackLimits.truncate("\(head): \(Self.escape(proposal.action))\(amount)", 3000)
    }

    /// Who decided, when, and with what comment (or that the deadline passed).
    var outcome: String {
        let approval = view.approval
        let when = approval.decidedAt.map { " at \(Timestamp.format($0))" } ?? ""
        switch approval.status {
        case .expired: return ":alarm_clock: *Expired*\(when): nobody decided in time; the fallback applies."
        case .pending: return ""
        default:
            let icon = approval.status == .approved ? ":white_check_mark:" : approval.status == .rejected ? ":x:" : ":raising_hand:"
            var line = "\(icon) *\(Self.statusWord(approval.status))* by *\(Self.escape(approval.decidedBy ?? "someone"))*\(when)"
            if let comment = approval.comment, !comment.isEmpty { line += "\n> \(Self.escape(comment))" }
            return line
        }
    }

    static func statusWord(_ status: ApprovalStatus) -> String {
        switch status {
        case .pending: "Pending"
        case .approved: "Approved"
        case .rejected: "Rejected"
        case .takenOver: "Taken over"
        case .expired: "Expired"
        }
    }

    /// Slack's mrkdwn escaping: the three characters that make links, mentions and commands.
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func percent(_ confidence: Double) -> String {
        String(format: "%.0f %%", confidence * 100).replacingOccurrences(of: " %", with: "%")
    }

    static func plain(_ text: String) -> JSONValue {
        .object([.init("type", .string("plain_text")), .init("text", .string(text)), .init("emoji", .bool(true))])
    }

    static func section(_ markdown: String, id: String) -> JSONValue {
        .object([
            .init("type", .string("section")), .init("block_id", .string(id)),
            .init(
                "text", .object([.init("type", .string("mrkdwn")), .init("text", .string(SlackLimits.truncate(markdown, SlackLimits.sectionText)))])),
        ])
    }
}
