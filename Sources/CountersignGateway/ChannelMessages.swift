import CountersignCore
import CountersignStore
import Foundation

/// The outbox messages that carry a held proposal to its approvers: one card per push of a chain
/// step, the timer that asks the next step when nobody answers, and, once decided, the updates
/// of cards that can change in place. Ids are derived from the approval, the step and the
/// recipient, so queuing a step twice (a timer delivered twice) queues it once.
public enum ChannelMessages {
    /// The `kind` of the escalation timer.
    public static let escalationKind = "escalation"
    /// The `kind` of the reminder timer (`approvals.remind_before`).
    public static let reminderKind = "reminder"

    /// The timer that reminds an approval's approvers `remindBefore` its deadline; none when that
    /// moment is already past (a proposal's own timeout shorter than `remind_before`).
    static func reminderTimer(approvalID: String, deadline: Date, remindBefore: TimeInterval?, at now: Date) -> [OutboxMessage] {
        guard let remindBefore else { return [] }
        let due = deadline.addingTimeInterval(-remindBefore)
        guard due > now else { return [] }
        return [
            OutboxMessage(
                id: "remind_\(approvalID)", kind: reminderKind, destination: approvalID, owner: "system",
                payload: payload(approvalID: approvalID, event: "reminder", step: nil), nextAttemptAt: due, createdAt: now)
        ]
    }

    /// One reminder per push of the steps notified by `now` (a chain's later steps are notified
    /// after their predecessors' waits): the same recipients the cards went to, once each.
    static func reminders(of plan: [NotificationRouter.PlannedStep], approvalID: String, createdAt: Date, at now: Date) -> [OutboxMessage] {
        var notifiedAt = createdAt
        var pushes: [NotificationRouter.Push] = []
        for step in plan {
            guard notifiedAt <= now else { break }
            pushes += step.pushes
            guard let wait = step.wait else { break }
            notifiedAt = notifiedAt.addingTimeInterval(wait)
        }
        var seen: Set<String> = []
        return pushes.compactMap { push in
            let id = "remind_\(approvalID)_\(push.channel.rawValue)_\(push.approver)"
            guard seen.insert(id).inserted else { return nil }
            return OutboxMessage(
                id: id, kind: push.channel.rawValue, destination: push.approver, owner: push.approver,
                payload: payload(approvalID: approvalID, event: "reminder", step: nil), nextAttemptAt: now, createdAt: now)
        }
    }

    /// Step `index` of `plan`: its cards and, when a step follows, the timer due after its wait.
    static func step(_ index: Int, of plan: [NotificationRouter.PlannedStep], approvalID: String, at now: Date) -> [OutboxMessage] {
        guard plan.indices.contains(index) else { return [] }
        let step = plan[index]
        var messages = step.pushes.map { push in
            OutboxMessage(
                id: "card_\(approvalID)_\(index)_\(push.channel.rawValue)_\(push.approver)", kind: push.channel.rawValue,
                destination: push.approver, owner: push.approver, payload: payload(approvalID: approvalID, event: "card", step: index),
                nextAttemptAt: now, createdAt: now)
        }
        if index + 1 < plan.count, let wait = step.wait {
            messages.append(
                OutboxMessage(
                    id: "step_\(approvalID)_\(index + 1)", kind: escalationKind, destination: approvalID, owner: "system",
                    payload: payload(approvalID: approvalID, event: "step", step: index + 1), nextAttemptAt: now.addingTimeInterval(wait),
                    createdAt: now))
        }
        return messages
    }

    /// `destination` of a `decided` message: every card posted for the approval, whoever it was for.
    public static let everyPostedCard = "*"

    /// After a decision: one update per enabled channel that can change cards in place; its
    /// delivery updates every card posted for the approval (by routing, chain step or reassignment).
    static func decided(_ router: NotificationRouter, approvalID: String, at now: Date) -> [OutboxMessage] {
        router.enabledChannels.filter(\.updatesInPlace).sorted().map { channel in
            OutboxMessage(
                id: "decided_\(approvalID)_\(channel.rawValue)", kind: channel.rawValue, destination: everyPostedCard, owner: "system",
                payload: payload(approvalID: approvalID, event: "decided", step: nil), nextAttemptAt: now, createdAt: now)
        }
    }

    /// Cards for the approvers an approval was reassigned to (`tag` keeps each reassignment's ids apart).
    static func reassigned(_ pushes: [NotificationRouter.Push], approvalID: String, tag: String, at now: Date) -> [OutboxMessage] {
        pushes.map { push in
            OutboxMessage(
                id: "card_\(approvalID)_r\(tag)_\(push.channel.rawValue)_\(push.approver)", kind: push.channel.rawValue,
                destination: push.approver, owner: push.approver, payload: payload(approvalID: approvalID, event: "card", step: nil),
                nextAttemptAt: now, createdAt: now)
        }
    }

    /// A digest of `notify`-level proposals received in `[from, to)`, due at `to`.
    public static func digest(approver: String, channel: ChannelKind, from: Date, to: Date) -> OutboxMessage {
        OutboxMessage(
            id: "digest_\(channel.rawValue)_\(approver)_\(Millis.from(to))", kind: channel.rawValue, destination: approver, owner: approver,
            payload: payload(approvalID: nil, event: "digest", step: nil, from: from, to: to), nextAttemptAt: to, createdAt: from)
    }

    /// One summary of the cards an approver's push cap held back, due at `due` (one per due time).
    public static func summary(approver: String, channel: ChannelKind, due: Date, at now: Date) -> OutboxMessage {
        OutboxMessage(
            id: "summary_\(channel.rawValue)_\(approver)_\(Millis.from(due))", kind: channel.rawValue, destination: approver, owner: approver,
            payload: payload(approvalID: nil, event: "summary", step: nil), nextAttemptAt: due, createdAt: now)
    }

    /// `{"approval_id": "…", "event": "card" | "decided" | "step" | "digest" | "summary", "step": N, "from": ms, "to": ms}`
    static func payload(approvalID: String?, event: String, step: Int?, from: Date? = nil, to: Date? = nil) -> String {
        var writer = JSONWriter(capacity: 96)
        writer.raw("{")
        if let approvalID { writer.member("approval_id", approvalID) }
        writer.member("event", event)
        if let step { writer.member("step", step) }
        if let from { writer.member("from", Int(Millis.from(from))) }
        if let to { writer.member("to", Int(Millis.from(to))) }
        writer.raw("}")
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// A channel message's payload, read back.
    public struct Payload: Sendable, Hashable {
        /// Empty for digests and summaries.
        public var approvalID: String
        public var event: String
        public var step: Int?
        /// A digest's window.
        public var from: Date?
        public var to: Date?

        /// Parses a payload this type wrote; `nil` for anything else.
        public init?(_ text: String) {
            let bytes = Array(text.utf8)
            guard
                let value = try? bytes.withUnsafeBufferPointer({ buffer throws(JSONError) -> JSONValue in
                    var reader = JSONReader(buffer)
                    return try reader.readValue()
                }), let event = value["event"]?.stringValue
            else { return nil }
            self.approvalID = value["approval_id"]?.stringValue ?? ""
            self.event = event
            if case .number(let text) = value["step"] { step = Int(text) }
            if case .number(let text) = value["from"], let millis = Int64(text) { from = Millis.date(millis) }
            if case .number(let text) = value["to"], let millis = Int64(text) { to = Millis.date(millis) }
        }
    }
}
