import CountersignCore
import CountersignStore
import Foundation

/// The console's pages, rendered on the server. Every value from a proposal is escaped.
enum ConsolePages {
    /// The page frame: header with navigation and sign-out, the CSRF token for scripts.
    static func page(title: String, approver: String?, csrf: String?, current: String, body: String) -> String {
        var header = #"<header><span class="brand">Countersign</span>"#
        if let approver, let csrf {
            header += #"<nav><a href="/" class="\#(current == "queue" ? "current" : "")">Queue</a>"#
            header += #"<a href="/history" class="\#(current == "history" ? "current" : "")">History</a>"#
            header += #"<a href="/dashboard" class="\#(current == "dashboard" ? "current" : "")">Dashboard</a></nav>"#
            header += #"<span class="who">Signed in as <strong>\#(HTML.escape(approver))</strong> "#
            header += #"<form method="post" action="/logout"><input type="hidden" name="csrf" value="\#(HTML.escape(csrf))">"#
            header += #"<button type="submit">Sign out</button></form></span>"#
        }
        header += "</header>"
        let meta = csrf.map { #"<meta name="csrf-token" content="\#(HTML.escape($0))">"# } ?? ""
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            \(meta)<title>\(HTML.escape(title)) · Countersign</title>
            <link rel="stylesheet" href="/static/console.css"></head>
            <body>\(header)<main>\(body)</main><script src="/static/console.js"></script></body></html>
            """
    }

    static func login(error: String?) -> String {
        let message = error.map { #"<p class="error">\#(HTML.escape($0))</p>"# } ?? ""
        return page(
            title: "Sign in", approver: nil, csrf: nil, current: "",
            body: """
                <form class="login" method="post" action="/login">
                <h1>Sign in to approve</h1>
                <label for="token">Approver token</label>
                <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
                <button type="submit">Sign in</button>\(message)
                </form>
                """)
    }

    /// One approval as a card: what, how much, how sure, why it was held, and the one-click
    /// answers its operation offers (`decisions`, in the policy's order).
    static func card(_ view: ApprovalView, csrf: String, decisions: [HumanDecision] = HumanDecision.allCases) -> String {
        let proposal = view.proposal.proposal
        let approval = view.approval
        let verdict = view.proposal.verdict
        var html = #"<article class="card" tabindex="0" data-id="\#(HTML.escape(approval.id))">"#
        html += #"<div class="top"><div><h2>\#(HTML.escape(proposal.action))</h2>"#
        var meta = [proposal.agent, proposal.operation + " (" + verdict.riskClass + ")"]
        if let subject = proposal.subject { meta.append("for " + subject) }
        html += #"<div class="meta">\#(meta.map(HTML.escape).joined(separator: " · "))</div></div>"#
        if let amount = proposal.amount {
            let currency = proposal.currency.map { #"<span class="currency">\#(HTML.escape($0))</span>"# } ?? ""
            html += #"<div class="amount">\#(HTML.escape(MoneyFormat.format(amount)))\#(currency)</div>"#
        }
        html += "</div>"
        html += #"<div class="badges"><span class="badge \#(verdict.level.rawValue)">\#(verdict.level.rawValue)</span>"#
        if let policyLevel = verdict.policyLevel {
            html +=
                #"<span class="badge shadow" title="shadow mode: a human decides while the policy is on trial">policy says \#(policyLevel.rawValue)</span>"#
        }
        html += #"<span class="badge confidence">confidence \#(Int((proposal.confidence * 100).rounded()))%</span>"#
        if let reference = proposal.referenceAmount {
            html += #"<span class="badge">reference \#(HTML.escape(MoneyFormat.format(reference)))</span>"#
        }
        html += "</div>"
        if !verdict.reasons.isEmpty {
            html += #"<ul class="reasons">"#
            for reason in verdict.reasons {
                html += "<li><code>\(HTML.escape(reason.code))</code>\(HTML.escape(reason.detail))</li>"
            }
            html += "</ul>"
        }
        var facts: [(String, String)] = []
        if let reasoning = proposal.reasoning { facts.append(("Reasoning", reasoning)) }
        if let impact = proposal.impact { facts.append(("Impact", impact)) }
        if case .object(let members)? = proposal.context {
            for member in members.prefix(12) {
                var writer = JSONWriter(capacity: 64)
                writer.value(member.value)
                let text = member.value.stringValue ?? String(decoding: writer.bytes, as: UTF8.self)
                facts.append((member.key, text))
            }
        }
        if !facts.isEmpty {
            html += #"<dl class="facts">"#
            for (name, value) in facts { html += "<dt>\(HTML.escape(name))</dt><dd>\(HTML.escape(value))</dd>" }
            html += "</dl>"
        }
        for message in proposal.messages.suffix(3) {
            html += "<blockquote><strong>\(HTML.escape(message.role)):</strong> \(HTML.escape(message.text))</blockquote>"
        }
        let deadline = Timestamp.format(approval.deadline)
        html += #"<div class="deadline" data-deadline="\#(deadline)">Decide within <strong>…</strong> (by \#(deadline))</div>"#
        html += #"<div class="fallback">If nobody answers: \#(HTML.escape(approval.fallback))</div>"#
        if approval.requiredApprovals > 1 {
            let status =
                approval.firstApprovedBy.map { "1 of 2 approvals given (by \(HTML.escape($0))); a different approver must approve." }
                ?? "Four eyes: two different approvers must approve."
            html += #"<div class="foureyes">\#(status)</div>"#
        }
        html += #"<form class="actions" method="post" action="/console/approvals/\#(HTML.escape(approval.id))/decision">"#
        html += #"<input type="hidden" name="csrf" value="\#(HTML.escape(csrf))">"#
        for decision in decisions {
            let (label, key) =
                switch decision {
                case .approve: ("Approve", "Y")
                case .reject: ("Reject", "N")
                case .takeOver: ("Take over", "M")
                }
            let value = decision.rawValue
            html +=
                #"<button type="submit" name="decision" value="\#(value)" data-decision="\#(value)" class="\#(value)">\#(label)<kbd>\#(key)</kbd></button>"#
        }
        html += #"<input type="text" name="comment" maxlength="2000" placeholder="Comment (optional)" aria-label="Comment"></form>"#
        html += "</article>"
        return html
    }

    static func history(_ views: [ApprovalView], approver: String, csrf: String) -> String {
        var rows = ""
        for view in views {
            let approval = view.approval
            let took = approval.decidedAt.map { duration($0.timeIntervalSince(approval.createdAt)) } ?? ""
            let amount = view.proposal.proposal.amount.map { MoneyFormat.format($0, currency: view.proposal.proposal.currency) } ?? ""
            rows += "<tr><td>\(HTML.escape(view.proposal.proposal.action))<div class=\"meta\">\(HTML.escape(view.proposal.proposal.agent))</div></td>"
            rows += "<td>\(HTML.escape(amount))</td>"
            rows += "<td class=\"status-\(approval.status.rawValue)\">\(approval.status.rawValue.replacingOccurrences(of: "_", with: " "))</td>"
            rows += "<td>\(HTML.escape(approval.decidedBy ?? ""))\(approval.firstApprovedBy.map { " (after \(HTML.escape($0)))" } ?? "")</td>"
            rows += "<td>\(took)</td><td>\(HTML.escape(approval.comment ?? ""))</td></tr>"
        }
        let table =
            views.isEmpty
            ? #"<div class="empty">No decided approvals yet.</div>"#
            : "<table><thead><tr><th>Action</th><th>Amount</th><th>Outcome</th><th>Decided by</th><th>Took</th><th>Comment</th></tr></thead><tbody>\(rows)</tbody></table>"
        return page(title: "History", approver: approver, csrf: csrf, current: "history", body: "<h1>Decided approvals</h1>\(table)")
    }

    /// `45s`, `6m 12s`, `2h 5m`.
    static func duration(_ seconds: TimeInterval) -> String {
        let total = max(Int(seconds.rounded()), 0)
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(total % 60)s" }
        return "\(total / 3600)h \(total % 3600 / 60)m"
    }
}
