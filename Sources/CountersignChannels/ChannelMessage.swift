import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation

/// What a channel outbox message (`kind` slack, email or sms) asks for, read from its payload
/// `{"approval_id": "…", "event": "card" | "decided" | "digest" | "summary"}`; `destination` and
/// `owner` name the approver.
public struct ChannelMessage: Sendable, Hashable {
    public enum Event: String, Sendable, Hashable, CaseIterable {
        /// A held proposal to decide.
        case card
        /// The approval was decided or expired: close the card.
        case decided
        /// A periodic digest of notify-level events.
        case digest
        /// The overflow of a push cap, folded into one message.
        case summary
        /// The deadline is near and the approval still pending (`approvals.remind_before`).
        case reminder
    }

    public var approvalID: String?
    public var event: Event
    public var approver: String
    /// A digest's window.
    public var from: Date?
    public var to: Date?

    /// Reads the payload of `message` (written by `ChannelMessages`); a payload that cannot be
    /// delivered is a permanent failure.
    public init(_ message: OutboxMessage) throws(OutboxDeliveryError) {
        guard let payload = ChannelMessages.Payload(message.payload) else {
            throw OutboxDeliveryError("the payload is not a channel message", permanent: true)
        }
        guard let event = Event(rawValue: payload.event) else {
            throw OutboxDeliveryError("the payload names no known event (card, decided, digest, summary, reminder)", permanent: true)
        }
        approvalID = payload.approvalID.isEmpty ? nil : payload.approvalID
        if approvalID == nil, event == .card || event == .decided || event == .reminder {
            throw OutboxDeliveryError("the payload has no approval_id", permanent: true)
        }
        self.event = event
        approver = message.destination
        from = payload.from
        to = payload.to
    }
}
