import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation

/// Delivers `sms` outbox messages through Twilio: a short text that starts with the gateway's own
/// facts (the amount, the approval's code and how to answer: "Y 482113 approve, N 482113 reject,
/// M 482113 take over", the deadline) and ends with the agent's action, quoted, on one line, made
/// visible (``DisplayText``) and cut. The code is assigned for this approver and this approval when
/// the card is sent, and stored. Renders from the approval's state at delivery (loaded through the
/// gateway as the approver); a card for an approval that is no longer pending is not sent.
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
        guard let approvalID = request.approvalID, [.card, .decided, .reminder].contains(request.event) else {
            throw OutboxDeliveryError("SMS does not deliver \(request.event.rawValue) messages", permanent: true)
        }
        let view: ApprovalView
        do {
            view = try await gateway.wait(approvalID: approvalID, timeout: .zero, by: .approver(recipient.name, recipient.rights))
        } catch let error as GatewayError {
            throw OutboxDeliveryError("approval \(approvalID): \(error.message)", permanent: true)
        }
        let body: String
        if request.event != .decided {
            guard view.approval.status == .pending, view.approval.deadline > now() else { return }
            let code = try await gateway.assignSMSCode(approvalID: view.approval.id, approver: recipient.name, candidates: SMSCode.candidates())
            body = Self.card(
                view, code: code, decisions: gateway.policy.decisions(for: view.proposal.proposal.operation), reminder: request.event == .reminder)
        } else {
            guard view.approval.status != .pending else { return }
            body = Self.decided(view)
        }
        try await client.send(to: recipient.phone, from: from, body: body)
    }

    /// `Countersign, 120.00 EUR: reply Y 482113 approve, N 482113 reject, M 482113 take over, by 10:45 UTC. "Refund order A-1"`
    /// Without a `code` (every candidate was held) it asks for an answer in the console or by email.
    /// Only the decisions the operation offers are listed (`decisions`, in the policy's order).
    /// A `reminder` (before the deadline, `approvals.remind_before`) starts `Countersign reminder`.
    public static func card(
        _ view: ApprovalView, code: String?, decisions: [HumanDecision] = HumanDecision.allCases, reminder: Bool = false
    ) -> String {
        let proposal = view.proposal.proposal
        let amount = proposal.amount.map { ", \(MoneyFormat.format($0, currency: proposal.currency))" } ?? ""
        let deadline = Timestamp.format(view.approval.deadline)
        let time = deadline.dropFirst(11).prefix(5)
        let answer =
            code.map { code in
                let replies = decisions.map { decision in
                    switch decision {
                    case .approve: "Y \(code) approve"
                    case .reject: "N \(code) reject"
                    case .takeOver: "M \(code) take over"
                    }
                }
                return "reply \(replies.joined(separator: ", ")), by \(time) UTC."
            }
            ?? "please answer in the console or by email by \(time) UTC (no SMS code is free)."
        return "Countersign\(reminder ? " reminder" : "")\(amount): \(answer) \"\(shorten(proposal.action, to: 90))\""
    }

    /// `Countersign: "Refund order A-1" was approved by alice.`
    public static func decided(_ view: ApprovalView) -> String {
        let status = view.approval.status.rawValue.replacingOccurrences(of: "_", with: " ")
        let by = view.approval.decidedBy.map { " by \($0)" } ?? ""
        return "Countersign: \"\(shorten(view.proposal.proposal.action, to: 90))\" was \(status)\(by)."
    }

    /// The agent's text on one line, made visible (``DisplayText/line(_:)``), and cut on a Unicode
    /// scalar boundary to `length` UTF-16 code units.
    public static func shorten(_ text: String, to length: Int) -> String {
        DisplayText.cut(DisplayText.line(text), toUTF16: length)
    }
}
