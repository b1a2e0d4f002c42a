import CountersignChannels
import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation
import HTTPTypes
import Hummingbird

/// The one-click links of email cards. `GET /v1/channels/email/decide?t=…` only shows a
/// confirmation page (mail scanners follow links); `POST` with the token in the form decides,
/// through the gateway, as the approver the token names, with that approver's rights. The token
/// authenticates the request (no bearer token); a forged, altered or expired one gets a 4xx page.
struct EmailDecisionController {
    typealias Context = CountersignRequestContext
    let gateway: Gateway
    /// The links' HMAC key; `nil` when email is not configured (the routes then answer 404).
    let linkSecret: Secret?
    /// Approvers by name, with their rights.
    let approvers: [String: ApproverRights]
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<Context>) {
        router.get("v1/channels/email/decide", use: confirm)
        router.post("v1/channels/email/decide", use: decide)
    }

    /// The confirmation page: what the link will do, and a form that does it.
    @Sendable func confirm(_ request: Request, context: Context) async throws -> Response {
        let tokenText = request.uri.queryParameters.get("t") ?? ""
        let verification = verify(tokenText)
        guard case .verified(let token, let principal) = verification else { return verification.refusal }
        let view: ApprovalView
        do {
            view = try await gateway.wait(approvalID: token.approvalID, timeout: .zero, by: principal)
        } catch let error as GatewayError {
            return Self.page(error.kind.status, title: "Not available", message: error.message)
        }
        guard view.approval.status == .pending else {
            return Self.page(.conflict, title: "Already decided", message: Self.decidedSentence(view))
        }
        let proposal = view.proposal.proposal
        let e = EmailCard.escape
        // The gateway's own facts first, then the agent's text, quoted: nothing it wrote reads as one of them.
        var body = #"<p style="font-size:16px;">\#(e(token.approver)), you are about to <strong>\#(Self.verb(token.decision))</strong>:</p>"#
        if let amount = proposal.amount {
            body += #"<p style="font-size:24px;margin:8px 0;"><strong>\#(e(MoneyFormat.format(amount, currency: proposal.currency)))</strong></p>"#
        }
        var facts = [("Agent", proposal.agent), ("Operation", proposal.operation)]
        if let subject = proposal.subject { facts.append(("Subject", subject)) }
        body += #"<table role="presentation" cellpadding="0" cellspacing="0" style="font-size:14px;margin:8px 0;">"#
        for (label, value) in facts {
            body +=
                #"<tr><td style="padding:2px 12px 2px 0;color:#6b7385;">\#(label)</td><td style="padding:2px 0;">\#(e(DisplayText.line(value)))</td></tr>"#
        }
        body += "</table>"
        body += EmailCard.quotedHTML("Action, as the agent wrote it", DisplayText.line(proposal.action))
        body += #"<p style="color:#6b7385;">Decide by \#(EmailCard.humanTime(view.approval.deadline)). If nobody answers:</p>"#
        body += EmailCard.quotedHTML(nil, DisplayText.lines(view.approval.fallback))
        body += #"<form method="post" action="/v1/channels/email/decide"><input type="hidden" name="t" value="\#(e(tokenText))">"#
        body +=
            #"<p><input type="text" name="comment" maxlength="2000" placeholder="Comment (optional)" aria-label="Comment" style="width:100%;box-sizing:border-box;padding:8px;font-size:14px;"></p>"#
        body +=
            #"<button type="submit" style="padding:10px 18px;font-size:15px;font-weight:bold;color:#fff;background:\#(Self.color(token.decision));border:0;border-radius:6px;">Confirm: \#(Self.label(token.decision))</button></form>"#
        return Self.page(.ok, title: "Confirm: \(Self.label(token.decision))", html: body)
    }

    /// Decides, once: a second POST, or one after another approver decided, says what happened instead.
    @Sendable func decide(_ request: Request, context: Context) async throws -> Response {
        let form = FormBody.parse(try await request.bodyBytes(context: context))
        let verification = verify(form["t"])
        guard case .verified(let token, let principal) = verification else { return verification.refusal }
        do {
            let view = try await gateway.decide(approvalID: token.approvalID, token.decision, comment: form["comment"], by: principal)
            if view.approval.status == .pending {
                return Self.page(
                    .ok, title: "First approval recorded",
                    message: "Your approval is recorded. A second, different approver must approve before the agent may act.")
            }
            return Self.page(.ok, title: "Done: \(Self.label(token.decision))", message: Self.decidedSentence(view))
        } catch let error as GatewayError {
            if error.code == .notPending, let view = try? await gateway.wait(approvalID: token.approvalID, timeout: .zero, by: principal) {
                return Self.page(.conflict, title: "Already decided", message: Self.decidedSentence(view) + " Your link changed nothing.")
            }
            return Self.page(error.kind.status, title: "Not decided", message: error.message)
        }
    }

    enum Verification {
        case verified(DecisionLinkToken, Principal)
        case refused(Response)

        /// The refusal page (a 500-free fallback for a verified token, which never asks for it).
        var refusal: Response {
            if case .refused(let response) = self { return response }
            return EmailDecisionController.page(.badRequest, title: "Link incomplete", message: "This link cannot be used.")
        }
    }

    func verify(_ text: String?) -> Verification {
        guard let linkSecret else {
            return .refused(Self.page(.notFound, title: "Not available", message: "Email links are not enabled on this server."))
        }
        guard let text, !text.isEmpty else {
            return .refused(
                Self.page(.badRequest, title: "Link incomplete", message: "This link has no token. Use the link from the email as it is."))
        }
        do {
            let token = try DecisionLinkToken.verify(text, secret: linkSecret.revealedBytes, now: now())
            guard let rights = approvers[token.approver] else {
                return .refused(Self.page(.forbidden, title: "Not allowed", message: "This link's approver may no longer decide approvals."))
            }
            return .verified(token, .approver(token.approver, rights))
        } catch {
            switch error {
            case .invalid:
                return .refused(
                    Self.page(.forbidden, title: "Invalid link", message: "This link is not valid: it was altered or not issued by this server."))
            case .expired(let token):
                return .refused(
                    Self.page(
                        .gone, title: "Link expired",
                        message: "This link expired at \(Timestamp.format(token.expiresAt)), the approval's deadline; its fallback applies."))
            }
        }
    }

    static func decidedSentence(_ view: ApprovalView) -> String {
        let approval = view.approval
        let status = approval.status.rawValue.replacingOccurrences(of: "_", with: " ")
        let by = approval.decidedBy.map { " by \($0)" } ?? ""
        let at = approval.decidedAt.map { " at \(Timestamp.format($0))" } ?? ""
        return "“\(DisplayText.cut(DisplayText.line(view.proposal.proposal.action), toUTF16: 200))” was \(status)\(by)\(at)."
    }

    static func verb(_ decision: HumanDecision) -> String {
        switch decision {
        case .approve: "approve"
        case .reject: "reject"
        case .takeOver: "take over"
        }
    }

    static func label(_ decision: HumanDecision) -> String {
        switch decision {
        case .approve: "Approve"
        case .reject: "Reject"
        case .takeOver: "Take over"
        }
    }

    static func color(_ decision: HumanDecision) -> String {
        switch decision {
        case .approve: "#1f7a3d"
        case .reject: "#b42318"
        case .takeOver: "#3b4a66"
        }
    }

    static func page(_ status: HTTPResponse.Status, title: String, message: String) -> Response {
        page(status, title: title, html: #"<p style="font-size:16px;">\#(EmailCard.escape(message))</p>"#)
    }

    /// A small self-contained page: inline styles, no scripts, never cached, never framed, and no
    /// referrer (the token is in the address).
    static func page(_ status: HTTPResponse.Status, title: String, html: String) -> Response {
        let text =
            #"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>\#(EmailCard.escape(title)) · Countersign</title></head><body style="margin:0;padding:24px;background:#f4f5f7;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1d2330;"><main style="max-width:560px;margin:0 auto;background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:20px 24px;"><h1 style="font-size:20px;margin:0 0 12px 0;">\#(EmailCard.escape(title))</h1>\#(html)</main></body></html>"#
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            HTTPField.Name("Referrer-Policy")!: "no-referrer", HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension GatewayError.Kind {
    /// The HTTP status of a refusal shown on a channel's page.
    var status: HTTPResponse.Status {
        switch self {
        case .invalid: .badRequest
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooManyRequests: .tooManyRequests
        }
    }
}
