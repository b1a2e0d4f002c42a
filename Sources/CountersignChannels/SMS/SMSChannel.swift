import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation

/// Delivers `sms` outbox messages through Twilio: a short text with the action, the amount, the
/// approval's four-digit code and how to answer ("Y 4821 approve, N 4821 reject, M 4821 take
/// over"). Renders from the approval's state at delivery (loaded through the gateway as the
/// approver); a card for an approval that is no longer pending is not sent.
public struct SMSChannel: OutboxDelivery {
    public let kind = "sms"

    /// An approver as SMS knows them.
    public struct Recipient: Sendable, Hashable {
        public var name: String
        public var phone: String
        public var rights: ApproverRights

        public init(name: String, phone: String, rights: ApproverRights) {
            self.name = name
            self.phone = phone
            self.rights = rights
        }
    }

    let client: TwilioClient
    let from: String
    let gateway: Gateway
    let recipients: [String: Recipient]
    let now: @Sendable () -> Date

    public init(
        twilio: TwilioClient.Configuration, from: String, gateway: Gateway, recipients: [Recipient], now: @escaping @Sendable () -> Date = { Date() }
    ) {
        client = TwilioClient(configuration: twilio)
        self.from = from
        self.gateway = gateway
        self.recipients = Dictionary(recipients.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.now = now
    }

    public func deliver(_ message: OutboxMessage) async throws {
        let request = try ChannelMessage(message)
        guard let recipient = recipients[request.approver] else {
            throw OutboxDeliveryError("approver \(request.approver) has no phone number configured", permanent: true)
        }
        guard let approvalID = request.approvalID, request.event == .card || request.event == .decided else {
            throw OutboxDeliveryError("SMS does not deliver \(request.event.rawValue) messages", permanent: true)
        }
        let view: ApprovalView
        do {
            view = try await gateway.wait(approvalID: approvalID, timeout: .zero, by: .approver(recipient.name, recipient.rights))
        } catch let error as GatewayError {
            throw OutboxDeliveryError("approval \(approvalID): \(error.message)", permanent: true)
        }
        let body: String
        if request.event == .card {
            guard view.approval.status == .pending, view.approval.deadline > now() else { return }
            // A code shared with another of this approver's pending approvals would be ambiguous: say so instead.
            let code = SMSCode.code(approvalID: view.approval.id)
            let pending = try await gateway.approvals(status: .pending, after: nil, limit: 200, by: .approver(recipient.name, recipient.rights))
            let clash = pending.contains { $0.approval.id != view.approval.id && SMSCode.code(approvalID: $0.approval.id) == code }
            body = Self.card(view, codeClash: clash)
        } else {
            guard view.approval.status != .pending else { return }
            body = Self.decided(view)
        }
        try await client.send(to: recipient.phone, from: from, body: body)
    }

    /// `Countersign: Refund order A-1 (120.00 EUR). Reply Y 4821 approve, N 4821 reject, M 4821 take over. By 10:45 UTC.`
    /// With `codeClash` (another pending approval of this approver has the same code) it asks for
    /// an answer in the console or by email instead of offering an ambiguous code.
    public static func card(_ view: ApprovalView, codeClash: Bool = false) -> String {
        let proposal = view.proposal.proposal
        let code = SMSCode.code(approvalID: view.approval.id)
        let amount = proposal.amount.map { " (\(MoneyFormat.format($0, currency: proposal.currency)))" } ?? ""
        let deadline = Timestamp.format(view.approval.deadline)
        let time = deadline.dropFirst(11).prefix(5)
        let answer =
            codeClash
            ? "Please answer in the console or by email (its SMS code is in use by another approval)."
            : "Reply Y \(code) approve, N \(code) reject, M \(code) take over."
        return "Countersign: \(shorten(proposal.action, to: 90))\(amount). \(answer) By \(time) UTC."
    }

    /// `Countersign: Refund order A-1 was approved by alice.`
    public static func decided(_ view: ApprovalView) -> String {
        let status = view.approval.status.rawValue.replacingOccurrences(of: "_", with: " ")
        let by = view.approval.decidedBy.map { " by \($0)" } ?? ""
        return "Countersign: \(shorten(view.proposal.proposal.action, to: 90)) was \(status)\(by)."
    }

    static func shorten(_ text: String, to length: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= length ? flat : String(flat.prefix(length - 1)) + "…"
    }
}
