import CountersignCore
import CountersignStore
import Foundation

/// The email an approver gets for a held proposal: subject, plain text and HTML (inline styles
/// only, no remote images: mail clients strip the rest), with one-click links to Approve, Reject
/// and Take over, each a signed link to the confirmation page.
public struct EmailCard: Sendable {
    public var subject: String
    public var text: String
    public var html: String

    /// One link per decision.
    public struct Links: Sendable, Hashable {
        public var approve: String
        public var reject: String
        public var takeOver: String

        public init(approve: String, reject: String, takeOver: String) {
            self.approve = approve
            self.reject = reject
            self.takeOver = takeOver
        }
    }

    /// The card for a pending approval.
    public init(_ view: ApprovalView, links: Links) {
        let proposal = view.proposal.proposal
        let approval = view.approval
        let verdict = view.proposal.verdict
        let amount = proposal.amount.map { MoneyFormat.format($0, currency: proposal.currency) }
        let confidence = "\(Int((proposal.confidence * 100).rounded()))%"
        let deadline = Self.humanTime(approval.deadline)
        subject = "Approval needed: \(proposal.action)" + (amount.map { " (\($0))" } ?? "")

        var text = "\(proposal.action)\n\n"
        if let amount { text += "Amount:      \(amount)\n" }
        text += "Agent:       \(proposal.agent), \(proposal.operation) (\(verdict.riskClass))\n"
        text += "Confidence:  \(confidence)\n"
        if let reasoning = proposal.reasoning { text += "Reasoning:   \(reasoning)\n" }
        if !verdict.reasons.isEmpty {
            text += "Held because:\n" + verdict.reasons.map { "  - \($0.detail) [\($0.code)]\n" }.joined()
        }
        text += "Deadline:    \(deadline)\n"
        text += "If nobody answers: \(approval.fallback)\n"
        if approval.requiredApprovals > 1 { text += "Four eyes: two different approvers must approve.\n" }
        text += "\nApprove:   \(links.approve)\nReject:    \(links.reject)\nTake over: \(links.takeOver)\n\n"
        text += "Each link opens a confirmation page; nothing is decided until you confirm there.\n"
        self.text = text

        let e = Self.escape
        var html = #"<!DOCTYPE html><html><head><meta charset="utf-8"><title>\#(e(subject))</title></head>"#
        html +=
            #"<body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d2330;">"#
        html +=
            #"<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #dfe3ea;border-radius:8px;">"#
        html += #"<tr><td style="padding:20px 24px;">"#
        html += #"<div style="font-size:12px;color:#6b7385;text-transform:uppercase;letter-spacing:0.05em;">Approval needed</div>"#
        html += #"<h1 style="font-size:20px;margin:6px 0 4px 0;">\#(e(proposal.action))</h1>"#
        html +=
            #"<div style="font-size:13px;color:#6b7385;">\#(e(proposal.agent)) · \#(e(proposal.operation)) (\#(e(verdict.riskClass)))\#(proposal.subject.map { " · for " + e($0) } ?? "")</div>"#
        if let amount {
            html += #"<div style="font-size:28px;margin:14px 0 4px 0;"><strong>\#(e(amount))</strong></div>"#
        }
        html += #"<div style="font-size:14px;margin:8px 0;">Confidence <strong>\#(confidence)</strong> · level \#(e(verdict.level.rawValue))</div>"#
        if let reasoning = proposal.reasoning {
            html += #"<p style="font-size:14px;margin:12px 0;"><strong>Reasoning:</strong> \#(e(reasoning))</p>"#
        }
        if !verdict.reasons.isEmpty {
            html +=
                #"<div style="font-size:14px;margin:12px 0 4px 0;"><strong>Held because</strong></div><ul style="font-size:14px;margin:0;padding-left:20px;">"#
            for reason in verdict.reasons {
                html += #"<li>\#(e(reason.detail)) <code style="color:#6b7385;font-size:12px;">\#(e(reason.code))</code></li>"#
            }
            html += "</ul>"
        }
        html += #"<p style="font-size:14px;margin:14px 0 4px 0;"><strong>Decide by</strong> \#(e(deadline))</p>"#
        html += #"<p style="font-size:14px;margin:4px 0;"><strong>If nobody answers:</strong> \#(e(approval.fallback))</p>"#
        if approval.requiredApprovals > 1 {
            html += #"<p style="font-size:14px;margin:4px 0;color:#8a5a00;">Four eyes: two different approvers must approve.</p>"#
        }
        html += #"<table role="presentation" cellpadding="0" cellspacing="0" style="margin:20px 0 8px 0;"><tr>"#
        for (label, link, color) in [
            ("Approve", links.approve, "#1f7a3d"), ("Reject", links.reject, "#b42318"), ("Take over", links.takeOver, "#3b4a66"),
        ] {
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
        let by = approval.decidedBy.map { " by \($0)" } ?? ""
        let outcome = "\(approval.status.rawValue.replacingOccurrences(of: "_", with: " "))\(by)"
        subject = "Decided: \(proposal.action) (\(outcome))"
        text = "\(proposal.action)\n\nThis approval was \(outcome)" + (approval.comment.map { ": \($0)" } ?? ".") + "\nNothing more to do.\n"
        html =
            #"<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d2330;"><div style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #dfe3ea;border-radius:8px;padding:20px 24px;"><h1 style="font-size:18px;margin:0 0 8px 0;">\#(Self.escape(proposal.action))</h1><p style="font-size:14px;margin:0;">This approval was <strong>\#(Self.escape(outcome))</strong>\#(approval.comment.map { ": " + Self.escape($0) } ?? ".") Nothing more to do.</p></div></body></html>"#
    }

    /// `2026-11-26 10:45 UTC`: what a person reads in a mail client.
    public static func humanTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    /// HTML text escaping for every value that comes from a proposal or an approver.
    public static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
