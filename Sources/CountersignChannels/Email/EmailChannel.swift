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
        public var linkSecret: [UInt8]

        public init(smtp: SMTPClient.Configuration, from: String, publicURL: String, linkSecret: [UInt8]) {
            self.smtp = smtp
            self.from = from
            self.publicURL = publicURL
            self.linkSecret = linkSecret
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
        guard let approvalID = request.approvalID, request.event == .card || request.event == .decided else {
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
        case .card, .digest, .summary:
            guard view.approval.status == .pending, view.approval.deadline > now() else { return nil }
            card = EmailCard(view, links: links(view, recipient: recipient.name))
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

    /// The three signed links of `view` for `approver`, valid until its deadline.
    public func links(_ view: ApprovalView, recipient approver: String) -> EmailCard.Links {
        func link(_ decision: HumanDecision) -> String {
            let token = DecisionLinkToken(approvalID: view.approval.id, decision: decision, approver: approver, expiresAt: view.approval.deadline)
            return Self.decideURL(publicURL: configuration.publicURL) + "?t=" + token.encoded(secret: configuration.linkSecret)
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
