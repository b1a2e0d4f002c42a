import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation

/// Delivers `slack` outbox messages. A `card` event posts the approval's card (`chat.postMessage`)
/// to the approver (a direct message, or the configured conversation with a mention) and keeps
/// the message's channel and `ts`; a `decided` event changes that card in place (`chat.update`)
/// to show who decided. Cards render from the approval as it is at delivery: a card for an
/// approval that is no longer pending is not posted.
public struct SlackChannel: OutboxDelivery {
    public let kind = ChannelKind.slack.rawValue
    let api: SlackWebAPI
    let gateway: Gateway
    /// Slack user ids by approver name.
    let users: [String: String]
    /// A shared conversation for every card; `nil` sends each approver a direct message.
    let conversation: String?

    public init(api: SlackWebAPI, gateway: Gateway, users: [String: String], conversation: String? = nil) {
        self.api = api
        self.gateway = gateway
        self.users = users
        self.conversation = conversation
    }

    public func deliver(_ message: OutboxMessage) async throws {
        guard let payload = ChannelMessages.Payload(message.payload) else {
            throw OutboxDeliveryError("not a channel message payload", permanent: true)
        }
        guard let view = try await gateway.currentApproval(id: payload.approvalID) else {
            throw OutboxDeliveryError("no approval \(payload.approvalID)", permanent: true)
        }
        switch payload.event {
        case "card": try await postCard(view, to: message.destination)
        case "decided": try await updateCards(view, of: message.destination)
        default: throw OutboxDeliveryError("Slack does not deliver \(payload.event) events", permanent: true)
        }
    }

    private func postCard(_ view: ApprovalView, to approver: String) async throws {
        guard view.approval.status == .pending else { return }
        guard let user = users[approver] else { throw OutboxDeliveryError("approver \(approver) has no slack_user", permanent: true) }
        let posts = try await gateway.channelPosts(approvalID: view.approval.id)
        // Posted before, and the outbox did not hear back in time: do not post it twice.
        if posts.contains(where: { $0.approver == approver && $0.channel == kind }) { return }
        let card = SlackCard(view: view, mention: conversation == nil ? nil : user)
        let answer = try await api.call(
            "chat.postMessage",
            .object([
                .init("channel", .string(conversation ?? user)), .init("text", .string(card.text)), .init("blocks", card.blocks),
                .init("unfurl_links", .bool(false)), .init("unfurl_media", .bool(false)),
            ]))
        guard let channel = answer["channel"]?.stringValue, let ts = answer["ts"]?.stringValue else {
            throw OutboxDeliveryError("Slack chat.postMessage answered without channel and ts", permanent: true)
        }
        try await gateway.recordChannelPost(
            ChannelPost(approvalID: view.approval.id, approver: approver, channel: kind, conversation: channel, messageID: ts, postedAt: Date()))
        // Decided while the card was on its way: show the decision at once.
        if let now = try await gateway.currentApproval(id: view.approval.id), now.approval.status != .pending {
            try await update(now, channel: channel, ts: ts)
        }
    }

    private func updateCards(_ view: ApprovalView, of approver: String) async throws {
        for post in try await gateway.channelPosts(approvalID: view.approval.id) where post.approver == approver && post.channel == kind {
            try await update(view, channel: post.conversation, ts: post.messageID)
        }
    }

    private func update(_ view: ApprovalView, channel: String, ts: String) async throws {
        let card = SlackCard(view: view)
        try await api.call(
            "chat.update",
            .object([.init("channel", .string(channel)), .init("ts", .string(ts)), .init("text", .string(card.text)), .init("blocks", card.blocks)]))
    }
}
