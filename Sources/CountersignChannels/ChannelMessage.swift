import CountersignCore
import CountersignGateway
import CountersignStore

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
    }

    public var approvalID: String?
    public var event: Event
    public var approver: String

    /// Reads the payload of `message`; a payload that cannot be delivered is a permanent failure.
    public init(_ message: OutboxMessage) throws(OutboxDeliveryError) {
        let value: JSONValue
        do {
            value = try Array(message.payload.utf8).withUnsafeBufferPointer { buffer throws(JSONError) -> JSONValue in
                var reader = JSONReader(buffer)
                return try reader.readValue()
            }
        } catch {
            throw OutboxDeliveryError("the payload is not JSON: \(error)", permanent: true)
        }
        guard let name = value["event"]?.stringValue, let event = Event(rawValue: name) else {
            throw OutboxDeliveryError("the payload names no known event (card, decided, digest, summary)", permanent: true)
        }
        approvalID = value["approval_id"]?.stringValue
        if approvalID == nil, event == .card || event == .decided { throw OutboxDeliveryError("the payload has no approval_id", permanent: true) }
        self.event = event
        approver = message.destination
    }
}
