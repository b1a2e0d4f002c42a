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
    /// One card at a time per approver (the cap check and the post are one step).
    private let gate = KeyedSerialGate()

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
        switch payload.event {
        case "digest": return try await postDigest(payload, to: message.destination)
        case "summary": return try await postSummary(to: message.destination)
        default: break
        }
        guard let view = try await gateway.currentApproval(id: payload.approvalID) else {
            throw OutboxDeliveryError("no approval \(payload.approvalID)", permanent: true)
        }
        switch payload.event {
        case "card": try await gate.run(message.destination) { try await postCard(view, to: message.destination) }
        case "decided": try await updateCards(view, of: message.destination)
        case "reminder": try await gate.run(message.destination) { try await remind(view, of: message.destination) }
        default: throw OutboxDeliveryError("Slack does not deliver \(payload.event) events", permanent: true)
        }
    }

    /// A plain message (no card) to the approver.
    private func post(to approver: String, text: String, blocks: JSONValue) async throws {
        guard let user = users[approver] else { throw OutboxDeliveryError("approver \(approver) has no slack_user", permanent: true) }
        try await api.call(
            "chat.postMessage",
            .object([
                .init("channel", .string(conversation ?? user)), .init("text", .string(text)), .init("blocks", blocks),
                .init("unfurl_links", .bool(false)), .init("unfurl_media", .bool(false)),
            ]))
    }

    /// The digest of `notify`-level proposals of the window; then the next window's digest is queued.
    private func postDigest(_ payload: ChannelMessages.Payload, to approver: String) async throws {
        guard let from = payload.from, let to = payload.to, to > from else {
            throw OutboxDeliveryError("a digest needs its window", permanent: true)
        }
        let records = try await gateway.digest(for: approver, from: from, to: to)
        if !records.isEmpty {
            let digest = SlackDigest.digest(records, from: from, to: to, mention: conversation == nil ? nil : users[approver])
            try await post(to: approver, text: digest.text, blocks: digest.blocks)
        }
        try await gateway.queueChannelMessages([
            ChannelMessages.digest(approver: approver, channel: .slack, from: to, to: to.addingTimeInterval(to.timeIntervalSince(from)))
        ])
    }

    /// One message listing the approvals the push cap held back.
    private func postSummary(to approver: String) async throws {
        let waiting = try await gateway.unpostedApprovals(for: approver, channel: .slack)
        guard !waiting.isEmpty else { return }
        let summary = SlackDigest.summary(waiting, mention: conversation == nil ? nil : users[approver])
        try await post(to: approver, text: summary.text, blocks: summary.blocks)
    }

    private func postCard(_ view: ApprovalView, to approver: String) async throws {
        guard view.approval.status == .pending else { return }
        guard let user = users[approver] else { throw OutboxDeliveryError("approver \(approver) has no slack_user", permanent: true) }
        let posts = try await gateway.channelPosts(approvalID: view.approval.id)
        // Posted before, and the outbox did not hear back in time: do not post it twice.
        if posts.contains(where: { $0.approver == approver && $0.channel == kind }) { return }
        // Over the approver's push cap: folded into one summary, sent when the hour's window moves on.
        if let cap = gateway.notificationRouter.routing.caps.pushesPerHour,
            try await gateway.pushesInLastHour(approver: approver, channel: .slack) >= cap
        {
            let now = Date()
            let due = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 / 3600).rounded(.down) + 1) * 3600)
            try await gateway.queueChannelMessages([ChannelMessages.summary(approver: approver, channel: .slack, due: due, at: now)])
            return
        }
        let card = SlackCard(
            view: view, mention: conversation == nil ? nil : user, decisions: gateway.policy.decisions(for: view.proposal.proposal.operation))
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

    /// A reminder before the deadline: a reply in the thread of each card posted to the approver
    /// (Slack notifies them of it); the card itself when none was posted (it was held back by the
    /// push cap, or failed). Nothing once the approval is decided or past its deadline.
    private func remind(_ view: ApprovalView, of approver: String) async throws {
        guard view.approval.status == .pending, view.approval.deadline > Date() else { return }
        let posts = try await gateway.channelPosts(approvalID: view.approval.id).filter { $0.approver == approver && $0.channel == kind }
        guard !posts.isEmpty else { return try await postCard(view, to: approver) }
        let deadline = Timestamp.format(view.approval.deadline)
        let mention = conversation == nil ? "" : users[approver].map { "<@\($0)> " } ?? ""
        let text = "\(mention):alarm_clock: Reminder: nobody has answered yet. Decide by \(deadline); after that the fallback applies."
        for post in posts {
            try await api.call(
                "chat.postMessage",
                .object([
                    .init("channel", .string(post.conversation)), .init("thread_ts", .string(post.messageID)), .init("text", .string(text)),
                    .init("unfurl_links", .bool(false)), .init("unfurl_media", .bool(false)),
                ]))
        }
    }

    private func updateCards(_ view: ApprovalView, of approver: String) async throws {
        let everyone = approver == ChannelMessages.everyPostedCard
        for post in try await gateway.channelPosts(approvalID: view.approval.id) where (everyone || post.approver == approver) && post.channel == kind
        {
            try await update(view, channel: post.conversation, ts: post.messageID)
        }
    }

    private func update(_ view: ApprovalView, channel: String, ts: String) async throws {
        let card = SlackCard(view: view, decisions: gateway.policy.decisions(for: view.proposal.proposal.operation))
        try await api.call(
            "chat.update",
            .object([.init("channel", .string(channel)), .init("ts", .string(ts)), .init("text", .string(card.text)), .init("blocks", card.blocks)]))
    }
}
