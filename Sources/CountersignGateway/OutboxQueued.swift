import Synchronization

/// Remembers whether a store closure queued outbox messages, so the outbox dispatcher is woken
/// only when a commit gave it something to send (a wake-up costs it a query or two).
final class OutboxQueued: Sendable {
    private let queued = Atomic<Bool>(false)

    /// Notes `messages` (a store closure may run more than once: the last run counts).
    func note<Messages: Collection>(_ messages: Messages) -> Messages {
        queued.store(!messages.isEmpty, ordering: .relaxed)
        return messages
    }

    /// Notes `messages` among others (a closure applied to many records): once any are queued,
    /// the note stays set.
    func noteAny<Messages: Collection>(_ messages: Messages) -> Messages {
        if !messages.isEmpty { queued.store(true, ordering: .relaxed) }
        return messages
    }

    var value: Bool { queued.load(ordering: .relaxed) }
}
