import CountersignStore

/// Delivers the reminder timers of `approvals.remind_before`: when one comes due and its approval
/// is still pending, its approvers are reminded (through `Gateway.remind`).
public struct ReminderTimer: OutboxDelivery {
    public let kind = ChannelMessages.reminderKind
    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    public func deliver(_ message: OutboxMessage) async throws {
        guard let payload = ChannelMessages.Payload(message.payload), !payload.approvalID.isEmpty else {
            throw OutboxDeliveryError("not a reminder timer payload", permanent: true)
        }
        try await gateway.remind(approvalID: payload.approvalID)
    }
}
