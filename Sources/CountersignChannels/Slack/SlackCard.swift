import CountersignCore
import CountersignStore
import Foundation

/// The Block Kit card of an approval. The card's own facts come first, in a block of their own
/// that no agent text can push out or cut: the amount in bold with its currency, the confidence,
/// risk class and level, the agent, operation and subject. What the agent wrote (the action, its
/// reasoning and the impact) follows, each under its label in a quote, on lines that all start
/// with the quote mark, so it can never pass for one of the card's own lines. Then why the policy
/// held it, the deadline and the fallback; while pending, the buttons Approve / Reject / Take over
/// (each `value` is the approval id); once decided, who decided and when instead of the buttons.
/// Every text is made visible by `DisplayText` (bidirectional controls and invisible characters
/// marked, line breaks of one-line fields flattened) and escaped (`&`, `<`, `>`) so it can neither
/// mention anyone nor forge a link, and every text is cut to Slack's limits.
public struct SlackCard: Sendable {
    /// The `action_id` of each button.
    public static let actions: [(decision: HumanDecision, label: String, style: String?)] = [
        (.approve, "Approve", "primary"), (.reject, "Reject", "danger"), (.takeOver, "Take over", nil),
    ]

    /// The longest an agent-chosen one-line fact (agent, operation, subject) is shown in the facts
    /// block, in UTF-16 code units; the proposal's own limits keep real values far below it.
    static let factLimit = 600

    public var view: ApprovalView
    /// Mentioned at the top when the card is posted to a shared conversation.
    public var mention: String?
    /// The buttons a pending card shows: the decisions its operation offers, in the policy's order.
    public var decisions: [HumanDecision]

    public init(view: ApprovalView, mention: String? = nil, decisions: [HumanDecision] = HumanDecision.allCases) {
        self.view = view
        self.mention = mention
        self.decisions = decisions
    }

    /// The `blocks` array.
    public var blocks: JSONValue {
        let proposal = view.proposal.proposal
        let approval = view.approval
        var blocks: [JSONValue] = []
        let operation = DisplayText.line(proposal.operation)
        let title = approval.status == .pending ? "Approval needed: \(operation)" : "\(Self.statusWord(approval.status)): \(operation)"
        blocks.append(.object([.init("type", .string("header")), .init("text", Self.plain(SlackLimits.truncate(title, SlackLimits.headerText)))]))
        blocks.append(Self.section(facts, id: "summary"))
        blocks.append(Self.section("*Action* (as the agent wrote it):\n" + Self.quoted(Self.escapeLine(proposal.action)), id: "action"))
        if let reasoning = proposal.reasoning, !reasoning.isEmpty {
            blocks.append(Self.section("*Reasoning* (as the agent wrote it):\n" + Self.quoted(Self.escape(reasoning)), id: "reasoning"))
        }
        if let impact = proposal.impact, !impact.isEmpty {
            blocks.append(Self.section("*Impact* (as the agent wrote it):\n" + Self.quoted(Self.escape(impact)), id: "impact"))
        }
        let verdict = view.proposal.verdict
        if !verdict.reasons.isEmpty {
            let lines = verdict.reasons.map { "• \(Self.escapeLine($0.detail)) (`\(Self.escapeLine($0.code))`)" }
            blocks.append(Self.section("*Why a human is needed:*\n" + lines.joined(separator: "\n"), id: "reasons"))
        }
        let seconds = Int64(approval.deadline.timeIntervalSince1970)
        let deadline = "<!date^\(seconds)^{date_short_pretty} {time}|\(Timestamp.format(approval.deadline))>"
        blocks.append(
            Self.section("*Deadline:* \(deadline)\n*Fallback (if no or no answer):*\n" + Self.quoted(Self.escape(approval.fallback)), id: "deadline"))
        if approval.status == .pending {
            if let first = approval.firstApprovedBy {
                blocks.append(Self.section(":hourglass: First approval by *\(Self.escapeLine(first))*; a second approver is needed.", id: "first"))
            }
            let offered = decisions.compactMap { decision in Self.actions.first { $0.decision == decision } }
            let buttons = offered.map { action -> JSONValue in
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

    /// The card's own lines, before anything the agent wrote: amount, confidence, risk class and
    /// level, agent and operation, subject. Short by construction (each agent-chosen fact is cut
    /// to `factLimit`), so Slack's section limit never cuts it.
    var facts: String {
        let proposal = view.proposal.proposal
        let verdict = view.proposal.verdict
        func fact(_ text: String) -> String { Self.escapeLine(DisplayText.cut(text, toUTF16: Self.factLimit)) }
        var lines: [String] = []
        if let mention { lines.append("<@\(mention)>") }
        if let amount = proposal.amount { lines.append("*Amount:* *\(MoneyFormat.format(amount, currency: proposal.currency))*") }
        lines.append(
            "*Confidence:* \(Self.percent(proposal.confidence))   *Risk class:* \(fact(verdict.riskClass))   *Level:* \(verdict.level.rawValue)")
        lines.append("*Agent:* \(fact(proposal.agent))   *Operation:* \(fact(proposal.operation))")
        if let subject = proposal.subject { lines.append("*Subject:* \(fact(subject))") }
        return lines.joined(separator: "\n")
    }

    /// The plain-text `text` Slack shows in notifications and where blocks cannot be shown: the
    /// amount before the action, so cutting a long action never drops it.
    public var text: String {
        let proposal = view.proposal.proposal
        let amount = proposal.amount.map { " (\(MoneyFormat.format($0, currency: proposal.currency)))" } ?? ""
        let head = view.approval.status == .pending ? "Approval needed" : Self.statusWord(view.approval.status)
        return SlackLimits.truncate("\(head)\(amount): \(Self.escapeLine(proposal.action))", 3000)
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
            var line = "\(icon) *\(Self.statusWord(approval.status))* by *\(Self.escapeLine(approval.decidedBy ?? "someone"))*\(when)"
            if let comment = approval.comment, !comment.isEmpty { line += "\n" + Self.quoted(Self.escape(comment)) }
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

    /// Slack's mrkdwn escaping of `text` made visible (``DisplayText/lines(_:)``): `&`, `<` and
    /// `>`, the three characters that make links, mentions and commands, as Slack's documentation
    /// asks. Works on Unicode scalars, so no grapheme cluster hides one of them.
    public static func escape(_ text: String) -> String {
        mrkdwn(DisplayText.lines(text))
    }

    /// `escape` for a one-line field: its line breaks flattened (``DisplayText/line(_:)``).
    public static func escapeLine(_ text: String) -> String {
        mrkdwn(DisplayText.line(text))
    }

    /// Every line of `text` as a quote (`>` at the start of each line), so that nothing in it
    /// reads as one of the card's own lines.
    static func quoted(_ text: String) -> String {
        var out = String.UnicodeScalarView("> ".unicodeScalars)
        for scalar in text.unicodeScalars {
            out.append(scalar)
            if scalar == "\n" { out.append(contentsOf: "> ".unicodeScalars) }
        }
        return String(out)
    }

    private static func mrkdwn(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            default: out.append(scalar)
            }
        }
        return String(out)
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
