import CountersignCore
import Foundation

/// A card a channel posted for an approval, remembered so it can be changed in place once the
/// approval is decided (Slack: the conversation id and the message `ts`).
public struct ChannelPost: Sendable, Hashable {
    public var approvalID: String
    /// The approver the card was for.
    public var approver: String
    /// `slack`.
    public var channel: String
    /// Where the message lives in the channel (a Slack conversation id).
    public var conversation: String
    /// The channel's id of the message (a Slack `ts`).
    public var messageID: String
    public var postedAt: Date

    public init(approvalID: String, approver: String, channel: String, conversation: String, messageID: String, postedAt: Date) {
        self.approvalID = approvalID
        self.approver = approver
        self.channel = channel
        self.conversation = conversation
        self.messageID = messageID
        self.postedAt = postedAt
    }
}

/// Posted cards and messages queued outside a state change (escalation steps), kept by every store.
public protocol ChannelStore: Sendable {
    /// Queues messages; a message whose id is already in the outbox is left as it is, so a timer
    /// delivered twice queues its step once.
    func enqueueOutbox(_ messages: [OutboxMessage]) async throws

    /// Remembers a posted card (replacing an earlier post of the same approval, approver and channel).
    func saveChannelPost(_ post: ChannelPost) async throws

    /// The cards posted for an approval, oldest first.
    func channelPosts(approvalID: String) async throws -> [ChannelPost]

    /// In one transaction: when the approval is still pending, appends `audit` and queues `outbox`
    /// (a reassignment, a reminder); returns `false` and changes nothing when it is not pending (or
    /// unknown). Recorded once: when the first of `outbox` is queued already (a timer delivered
    /// twice), nothing changes and the answer is `true`.
    func recordOnPending(approvalID: String, audit: AuditEvent, outbox: [OutboxMessage]) async throws -> Bool

    /// How many cards were posted to `approver` on `channel` at or after `since` (push caps).
    func channelPostCount(approver: String, channel: String, since: Date) async throws -> Int

    /// Proposals of `level` received in `[from, to)`, oldest first, at most `limit` (digests).
    func proposals(level: Level, from: Date, to: Date, limit: Int) async throws -> [ProposalRecord]
}
