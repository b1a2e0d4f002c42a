import CountersignStore

/// Delivers the `escalation` timers of chains: when one comes due and its approval is still
/// pending, the next step's approvers are notified (through `Gateway.notifyStep`).
public struct EscalationTimer: OutboxDelivery {
    public let kind = ChannelMessages.escalationKind
    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    public func deliver(_ message: OutboxMessage) async throws {
        guard let payload = ChannelMessages.Payload(message.payload), let step = payload.step else {
            throw OutboxDeliveryError("not an escalation timer payload", permanent: true)
        }
        try await gateway.notifyStep(approvalID: payload.approvalID, step: step)
    }
}
