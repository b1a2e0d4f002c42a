import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation

/// Delivers `email` outbox messages over SMTP. It renders from the approval's state at delivery
/// time, loaded through the gateway with the approver's own rights: a `card` for an approval that
/// is no longer pending is delivered without sending (no stale cards); `decided` sends a short
/// notice. 4xx replies and connection trouble are retried, 5xx replies are permanent.
public struct EmailChannel: OutboxDelivery {
    public let kind = "email"

    public struct Configuration: Sendable {
        public var smtp: SMTPClient.Configuration
        /// The `From:` mailbox (`Countersign <countersign@example.com>`).
        public var from: String
        /// The server's public address; links point at `{publicURL}/v1/channels/email/decide`.
        public var publicURL: String
        /// The HMAC key of the one-click links (from the environment).
        public var linkSecret: Secret

        public init(smtp: SMTPClient.Configuration, from: String, publicURL: String, linkSecret: [UInt8]) {
            self.smtp = smtp
            self.from = from
            self.publicURL = publicURL
            self.linkSecret = Secret(bytes: linkSecret)
        }
    }

    /// An approver as email knows them.
    public struct Recipient: Sendable, Hashable {
        public var name: String
        public var email: String
        public var rights: ApproverRights

        public init(name: String, email: String, rights: ApproverRights) {
            self.name = name
            self.email = email
            self.rights = rights
        }
    }

    let configuration: Configuration
    let gateway: Gateway
    let recipients: [String: Recipient]
    let client: SMTPClient
    let now: @Sendable () -> Date

    public init(configuration: Configuration, gateway: Gateway, recipients: [Recipient], now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.gateway = gateway
        self.recipients = Dictionary(recipients.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.client = SMTPClient(configuration: configuration.smtp)
        self.now = now
    }

    public func deliver(_ message: OutboxMessage) async throws {
        guard let mail = try await render(message) else { return }
        do {
            try await client.send(from: SMTPClient.address(configuration.from), to: [SMTPClient.address(mail.to)], message: mail.rendered())
        } catch {
            throw OutboxDeliveryError("email to \(message.destination): \(error.message)", permanent: !error.transient)
        }
    }

    /// The email for `message` now, or `nil` when there is nothing to send (a card for an approval
    /// that was decided meanwhile).
    public func render(_ message: OutboxMessage) async throws -> MIMEMessage? {
        let request = try ChannelMessage(message)
        guard let recipient = recipients[request.approver] else {
            throw OutboxDeliveryError("approver \(request.approver) has no email address configured", permanent: true)
        }
        switch request.event {
        case .digest: return try await digest(request, message: message, recipient: recipient)
        case .summary: return try await summary(message: message, recipient: recipient)
        case .card, .decided, .reminder: break
        }
        guard let approvalID = request.approvalID else {
            throw OutboxDeliveryError("email does not deliver \(request.event.rawValue) messages without an approval", permanent: true)
        }
        let view: ApprovalView
        do {
            view = try await gateway.wait(approvalID: approvalID, timeout: .zero, by: .approver(recipient.name, recipient.rights))
        } catch let error as GatewayError {
            throw OutboxDeliveryError("approval \(approvalID): \(error.message)", permanent: true)
        }
        let card: EmailCard
        switch request.event {
        case .card, .reminder, .digest, .summary:
            guard view.approval.status == .pending, view.approval.deadline > now() else { return nil }
            card = EmailCard(view, links: links(view, recipient: recipient.name), reminder: request.event == .reminder)
        case .decided:
            guard view.approval.status != .pending else { return nil }
            card = EmailCard(decided: view)
        }
        var mail = MIMEMessage(
            from: configuration.from, to: recipient.email, subject: card.subject, messageID: "\(message.id)@countersign", date: now(),
            text: card.text, html: card.html)
        mail.headers = [("Auto-Submitted", "auto-generated"), ("X-Countersign-Approval", view.approval.id)]
        return mail
    }

    /// The digest of `notify`-level proposals of the window (nothing when there were none); the next
    /// window's digest is queued either way, so the schedule lives in the outbox.
    func digest(_ request: ChannelMessage, message: OutboxMessage, recipient: Recipient) async throws -> MIMEMessage? {
        guard let from = request.from, let to = request.to, to > from else {
            throw OutboxDeliveryError("a digest needs its window", permanent: true)
        }
        let records = try await gateway.digest(for: recipient.name, from: from, to: to)
        try await gateway.queueChannelMessages([
            ChannelMessages.digest(approver: recipient.name, channel: .email, from: to, to: to.addingTimeInterval(to.timeIntervalSince(from)))
        ])
        guard !records.isEmpty else { return nil }
        let lines = records.map { record in
            let proposal = record.proposal
            let amount = proposal.amount.map { "\(MoneyFormat.format($0, currency: proposal.currency)) — " } ?? ""
            return "\(amount)\(DisplayText.line(proposal.agent)): \(EmailCard.subjectText(proposal.action))"
        }
        let title = "Digest: \(records.count) action\(records.count == 1 ? "" : "s") taken with notice"
        let intro = "Executed without waiting for anyone, \(EmailCard.humanTime(from)) to \(EmailCard.humanTime(to)):"
        return listMail(message: message, recipient: recipient, subject: title, intro: intro, lines: lines)
    }

    /// One email listing the pending approvals that reached this approver by no card yet (held
    /// back by the push cap).
    func summary(message: OutboxMessage, recipient: Recipient) async throws -> MIMEMessage? {
        let waiting = try await gateway.unpostedApprovals(for: recipient.name, channel: .email)
        guard !waiting.isEmpty else { return nil }
        let lines = waiting.map { view in
            let proposal = view.proposal.proposal
            let amount = proposal.amount.map { "\(MoneyFormat.format($0, currency: proposal.currency)), " } ?? ""
            return "\(amount)decide by \(EmailCard.humanTime(view.approval.deadline)): \(EmailCard.subjectText(proposal.action))"
        }
        let title = "\(waiting.count) more approval\(waiting.count == 1 ? "" : "s") waiting for you"
        return listMail(
            message: message, recipient: recipient, subject: title, intro: "Decide these in the Countersign console:", lines: lines)
    }

    /// A plain list email (digests and summaries): at most 50 lines, then how many more. Each line
    /// starts with the gateway's facts and ends with the agent's text on one line, made visible.
    private func listMail(message: OutboxMessage, recipient: Recipient, subject: String, intro: String, lines: [String]) -> MIMEMessage {
        var shown = Array(lines.prefix(50))
        if lines.count > 50 { shown.append("…and \(lines.count - 50) more") }
        let text = intro + "\n\n" + shown.map { "- " + $0 }.joined(separator: "\n") + "\n"
        let html =
            "<p>\(EmailCard.escape(intro))</p><ul>" + shown.map { "<li>\(EmailCard.escape($0))</li>" }.joined() + "</ul>"
        var mail = MIMEMessage(
            from: configuration.from, to: recipient.email, subject: subject, messageID: "\(message.id)@countersign", date: now(), text: text,
            html: html)
        mail.headers = [("Auto-Submitted", "auto-generated")]
        return mail
    }

    /// The three signed links of `view` for `approver`, valid until its deadline.
    public func links(_ view: ApprovalView, recipient approver: String) -> EmailCard.Links {
        let offered = gateway.policy.decisions(for: view.proposal.proposal.operation)
        func link(_ decision: HumanDecision) -> String? {
            guard offered.contains(decision) else { return nil }
            let token = DecisionLinkToken(approvalID: view.approval.id, decision: decision, approver: approver, expiresAt: view.approval.deadline)
            return Self.decideURL(publicURL: configuration.publicURL) + "?t=" + token.encoded(secret: configuration.linkSecret.revealedBytes)
        }
        return .init(approve: link(.approve), reject: link(.reject), takeOver: link(.takeOver))
    }

    /// `{public_url}/v1/channels/email/decide`
    public static func decideURL(publicURL: String) -> String {
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/v1/channels/email/decide"
    }
}
