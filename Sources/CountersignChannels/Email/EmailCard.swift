import CountersignCore
import CountersignStore
import Foundation

/// The email an approver gets for a held proposal: subject, plain text and HTML (inline styles
/// only, no remote images: mail clients strip the rest), with one-click links to Approve, Reject
/// and Take over, each a signed link to the confirmation page.
///
/// The card's own facts come first and are never cut: amount, confidence, agent, operation and
/// risk class, subject, deadline. What the agent wrote (action, reasoning, impact, fallback)
/// follows under its label, quoted: in the text every line of it starts with `  > `, in the HTML
/// it sits in a `<blockquote>`, so it can never pass for one of the card's own lines. Every
/// agent text is made visible by `DisplayText` first (bidirectional controls and invisible
/// characters marked; the line breaks of one-line fields flattened), then HTML-escaped.
public struct EmailCard: Sendable {
    public var subject: String
    public var text: String
    public var html: String

    /// The longest the action is shown in a subject, in UTF-16 code units (the amount comes
    /// before it, so cutting never drops the amount).
    public static let subjectActionLimit = 120

    /// One link per decision the operation offers (`nil`: not offered, no link).
    public struct Links: Sendable, Hashable {
        public var approve: String?
        public var reject: String?
        public var takeOver: String?

        public init(approve: String?, reject: String?, takeOver: String?) {
            self.approve = approve
            self.reject = reject
            self.takeOver = takeOver
        }

        /// The offered links, in card order, each with its label and button colour.
        var offered: [(label: String, link: String, color: String)] {
            [("Approve", approve, "#1f7a3d"), ("Reject", reject, "#b42318"), ("Take over", takeOver, "#3b4a66")].compactMap { label, link, color in
                link.map { (label, $0, color) }
            }
        }
    }

    /// The card for a pending approval; with `reminder`, the same card sent again before the
    /// deadline (`approvals.remind_before`), saying so first.
    public init(_ view: ApprovalView, links: Links, reminder: Bool = false) {
        let proposal = view.proposal.proposal
        let approval = view.approval
        let verdict = view.proposal.verdict
        let amount = proposal.amount.map { MoneyFormat.format($0, currency: proposal.currency) }
        let confidence = "\(Int((proposal.confidence * 100).rounded()))%"
        let deadline = Self.humanTime(approval.deadline)
        let line = DisplayText.line
        let headline = reminder ? "Reminder: approval needed" : "Approval needed"
        subject = headline + (amount.map { " (\($0))" } ?? "") + ": " + Self.subjectText(proposal.action)

        var facts: [(String, String)] = []
        if let amount { facts.append(("Amount", amount)) }
        facts.append(("Confidence", "\(confidence) (level \(verdict.level.rawValue))"))
        facts.append(("Agent", line(proposal.agent)))
        facts.append(("Operation", "\(line(proposal.operation)) (\(line(verdict.riskClass)))"))
        if let subject = proposal.subject { facts.append(("Subject", line(subject))) }
        facts.append(("Decide by", deadline))
        var quotes: [(String, String)] = [("Action", line(proposal.action))]
        if let reasoning = proposal.reasoning { quotes.append(("Reasoning", DisplayText.lines(reasoning))) }
        if let impact = proposal.impact { quotes.append(("Impact", DisplayText.lines(impact))) }

        var text = headline + "\n\n"
        if reminder { text += "Nobody has answered yet. Decide by \(deadline); after that the fallback applies.\n\n" }
        for (label, value) in facts { text += Self.padded(label + ":") + value + "\n" }
        if approval.requiredApprovals > 1 { text += "Four eyes: two different approvers must approve.\n" }
        for (label, value) in quotes { text += "\n\(label), as the agent wrote it:\n" + Self.quotedText(value) }
        if !verdict.reasons.isEmpty {
            text += "\nHeld because:\n" + verdict.reasons.map { "  - \(line($0.detail)) [\(line($0.code))]\n" }.joined()
        }
        text += "\nIf nobody answers:\n" + Self.quotedText(DisplayText.lines(approval.fallback))
        text += "\n"
        for (label, link, _) in links.offered { text += (label + ":").padding(toLength: 11, withPad: " ", startingAt: 0) + link + "\n" }
        text += "\n"
        text += "Each link opens a confirmation page; nothing is decided until you confirm there.\n"
        self.text = text

        let e = Self.escape
        var html = #"<!DOCTYPE html><html><head><meta charset="utf-8"><title>\#(e(subject))</title></head>"#
        html +=
            #"<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d2330;">"#
        html +=
            #"<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #dfe3ea;border-radius:8px;">"#
        html += #"<tr><td style="padding:20px 24px;">"#
        html += #"<div style="font-size:12px;color:#6b7385;text-transform:uppercase;letter-spacing:0.05em;">\#(headline)</div>"#
        if reminder {
            html +=
                #"<p style="font-size:14px;margin:8px 0;color:#8a5a00;">Nobody has answered yet. Decide by \#(e(deadline)); after that the fallback applies.</p>"#
        }
        if let amount {
            html += #"<div style="font-size:28px;margin:10px 0 4px 0;"><strong>\#(e(amount))</strong></div>"#
        }
        html += #"<div style="font-size:14px;margin:8px 0;">Confidence <strong>\#(confidence)</strong> · level \#(e(verdict.level.rawValue))</div>"#
        html += #"<table role="presentation" cellpadding="0" cellspacing="0" style="font-size:14px;margin:8px 0;">"#
        for (label, value) in facts where label != "Amount" && label != "Confidence" {
            html += #"<tr><td style="padding:2px 12px 2px 0;color:#6b7385;">\#(label)</td><td style="padding:2px 0;">\#(e(value))</td></tr>"#
        }
        html += "</table>"
        if approval.requiredApprovals > 1 {
            html += #"<p style="font-size:14px;margin:4px 0;color:#8a5a00;">Four eyes: two different approvers must approve.</p>"#
        }
        for (label, value) in quotes { html += Self.quotedHTML(label + ", as the agent wrote it", value) }
        if !verdict.reasons.isEmpty {
            html +=
                #"<div style="font-size:14px;margin:12px 0 4px 0;"><strong>Held because</strong></div><ul style="font-size:14px;margin:0;padding-left:20px;">"#
            for reason in verdict.reasons {
                html += #"<li>\#(e(line(reason.detail))) <code style="color:#6b7385;font-size:12px;">\#(e(line(reason.code)))</code></li>"#
            }
            html += "</ul>"
        }
        html += Self.quotedHTML("If nobody answers", DisplayText.lines(approval.fallback))
        html += #"<table role="presentation" cellpadding="0" cellspacing="0" style="margin:20px 0 8px 0;"><tr>"#
        for (label, link, color) in links.offered {
            html +=
                #"<td style="padding-right:10px;"><a href="\#(e(link))" style="display:inline-block;padding:10px 18px;background:\#(color);color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold;font-size:14px;">\#(label)</a></td>"#
        }
        html += "</tr></table>"
        html +=
            #"<p style="font-size:12px;color:#6b7385;margin:8px 0 0 0;">Each button opens a confirmation page; nothing is decided until you confirm there. The links work until the deadline and only for you.</p>"#
        html += "</td></tr></table></body></html>"
        self.html = html
    }

    /// The short notice that an approval was decided (or expired), so nobody answers a dead card.
    public init(decided view: ApprovalView) {
        let proposal = view.proposal.proposal
        let approval = view.approval
        let by = approval.decidedBy.map { " by \(DisplayText.line($0))" } ?? ""
        let outcome = "\(approval.status.rawValue.replacingOccurrences(of: "_", with: " "))\(by)"
        let action = DisplayText.line(proposal.action)
        subject = "Decided (\(outcome)): " + Self.subjectText(proposal.action)
        text = "This approval was \(outcome)" + (approval.comment.map { ":\n" + Self.quotedText(DisplayText.lines($0)) } ?? ".\n")
        text += "\nAction, as the agent wrote it:\n" + Self.quotedText(action) + "\nNothing more to do.\n"
        let comment = approval.comment.map { ":</p>" + Self.quotedHTML(nil, DisplayText.lines($0)) } ?? ".</p>"
        html =
            #"<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d2330;"><div style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #dfe3ea;border-radius:8px;padding:20px 24px;"><p style="font-size:14px;margin:0;">This approval was <strong>\#(Self.escape(outcome))</strong>\#(comment)\#(Self.quotedHTML("Action, as the agent wrote it", action))<p style="font-size:14px;margin:8px 0 0 0;">Nothing more to do.</p></div></body></html>"#
    }

    /// The action as a subject shows it: on one line, made visible, cut to `subjectActionLimit`.
    public static func subjectText(_ action: String) -> String {
        DisplayText.cut(DisplayText.line(action), toUTF16: subjectActionLimit)
    }

    /// `Label:` padded to the column the values start at.
    static func padded(_ label: String) -> String {
        label + String(repeating: " ", count: max(1, 13 - label.count))
    }

    /// Every line of `text` (already made visible) indented and quoted: `  > …`.
    static func quotedText(_ text: String) -> String {
        var out = String.UnicodeScalarView("  > ".unicodeScalars)
        for scalar in text.unicodeScalars {
            out.append(scalar)
            if scalar == "\n" { out.append(contentsOf: "  > ".unicodeScalars) }
        }
        out.append("\n")
        return String(out)
    }

    /// `text` (already made visible) under its label in a quote block; line breaks kept.
    public static func quotedHTML(_ label: String?, _ text: String) -> String {
        var html = label.map { #"<div style="font-size:13px;color:#6b7385;margin:14px 0 2px 0;">\#(escape($0))</div>"# } ?? ""
        html +=
            #"<blockquote style="font-size:14px;margin:0;padding:6px 12px;border-left:3px solid #c5ccd8;background:#f7f8fa;white-space:pre-wrap;">\#(escape(text))</blockquote>"#
        return html
    }

    /// `2026-11-26 10:45 UTC`: what a person reads in a mail client.
    public static func humanTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    /// HTML text escaping for every value that comes from a proposal or an approver (on Unicode
    /// scalars, concealing characters marked: ``HTMLText/escape(_:)``).
    public static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
