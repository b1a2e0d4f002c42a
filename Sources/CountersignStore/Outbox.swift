import Foundation

/// A message that must leave the system (a webhook to an agent, later a card to a channel),
/// written in the same transaction as the state change that causes it and delivered afterwards
/// by the outbox dispatcher, with retries, until it is delivered or declared dead.
public struct OutboxMessage: Sendable, Hashable {
    /// Unique, and the receiver's idempotency key (`webhook-id`): the same on every attempt.
    public var id: String
    /// What delivers it: `webhook`.
    public var kind: String
    /// Where it goes (a URL for webhooks).
    public var destination: String
    /// Whose it is: the agent a webhook belongs to (its signing secret is looked up by this name
    /// at delivery; no secret is ever stored).
    public var owner: String
    /// The body, as sent.
    public var payload: String
    public var status: Status
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    public enum Status: String, Sendable, Hashable, CaseIterable {
        case pending
        case delivered
        /// Gave up after the last retry; visible to operators, who may retry it.
        case dead
    }

    public init(
        id: String, kind: String, destination: String, owner: String, payload: String, status: Status = .pending, attempts: Int = 0,
        nextAttemptAt: Date, lastError: String? = nil, createdAt: Date, deliveredAt: Date? = nil
    ) {
        self.id = id
        self.kind = kind
        self.destination = destination
        self.owner = owner
        self.payload = payload
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// A console sign-in: the hash of the session cookie's value, who it is, and its CSRF token.
public struct ConsoleSession: Sendable, Hashable {
    /// Hex SHA-256 of the cookie value (the value itself is never stored).
    public var tokenHash: String
    public var approver: String
    /// Sent with every form and fetch of this session; a POST without it is refused.
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, approver: String, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.approver = approver
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// The outbox and console sessions, kept by every store.
public protocol OutboxStore: Sendable {
    /// Claims up to `limit` due pending messages for delivery: each claimed message's next
    /// attempt moves `lease` ahead (so a dispatcher that dies mid-send leaves it to be retried)
    /// and its attempt count goes up.
    func claimOutbox(now: Date, limit: Int, lease: TimeInterval) async throws -> [OutboxMessage]

    /// Releases the claims of a dispatcher that died mid-send, when this process is the only
    /// dispatcher there can be (SQLite: one process owns the file). Stores shared by replicas
    /// leave this to the lease.
    func releaseOutboxClaims(now: Date) async throws

    /// Marks a message delivered.
    func completeOutbox(id: String, at: Date) async throws

    /// Records a failed attempt: retried at `retryAt`, or dead when `retryAt` is `nil`.
    func failOutbox(id: String, error: String, retryAt: Date?) async throws

    /// Messages of one status, newest first.
    func outbox(status: OutboxMessage.Status, limit: Int) async throws -> [OutboxMessage]

    /// Puts a dead message back in the queue; `false` when it is not dead.
    func retryOutbox(id: String, at: Date) async throws -> Bool

    /// The earliest next attempt of a pending message.
    func nextOutboxAttempt() async throws -> Date?

    func saveSession(_ session: ConsoleSession) async throws
    func session(tokenHash: String) async throws -> ConsoleSession?
    func deleteSession(tokenHash: String) async throws
}
