import CountersignStore
import Foundation
import PostgresNIO

/// The outbox and console sessions on PostgreSQL. Dispatchers on several replicas claim with
/// `FOR UPDATE SKIP LOCKED` and a lease: two never take the same message at once, and a message
/// whose dispatcher died is taken again, with the same id, once its lease runs out.
extension PostgresStore {
    static func insert(_ connection: PostgresConnection, _ message: OutboxMessage) async throws {
        try await connection.run(
            """
            INSERT INTO outbox (id, kind, destination, owner, payload, status, attempts, next_attempt_at, created_at)
            VALUES (\(message.id), \(message.kind), \(message.destination), \(message.owner), \(message.payload),
                \(message.status.rawValue), \(message.attempts), \(Millis.from(message.nextAttemptAt)), \(Millis.from(message.createdAt)))
            """)
    }

    static func outboxMessage(_ row: PostgresRow) throws -> OutboxMessage {
        let cells = row.makeRandomAccess()
        return OutboxMessage(
            id: try cells["id"].decode(String.self), kind: try cells["kind"].decode(String.self),
            destination: try cells["destination"].decode(String.self), owner: try cells["owner"].decode(String.self),
            payload: try cells["payload"].decode(String.self),
            status: OutboxMessage.Status(rawValue: try cells["status"].decode(String.self)) ?? .pending,
            attempts: try cells["attempts"].decode(Int.self), nextAttemptAt: Millis.date(try cells["next_attempt_at"].decode(Int64.self)),
            lastError: try cells["last_error"].decode(String?.self), createdAt: Millis.date(try cells["created_at"].decode(Int64.self)),
            deliveredAt: try cells["delivered_at"].decode(Int64?.self).map(Millis.date))
    }

    public func claimOutbox(now: Date, limit: Int, lease: TimeInterval) async throws -> [OutboxMessage] {
        let nowMillis = Millis.from(now)
        let leaseEnd = Millis.from(now.addingTimeInterval(lease))
        return try await client.withConnection { connection in
            try await connection.rows(
                """
                WITH due AS (
                    SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= \(nowMillis)
                    ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED
                )
                UPDATE outbox o SET attempts = o.attempts + 1, next_attempt_at = \(leaseEnd)
                FROM due WHERE o.id = due.id RETURNING o.*
                """
            ).map(Self.outboxMessage).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        }
    }

    /// Does nothing: other replicas may be sending these messages right now; leases expire instead.
    public func releaseOutboxClaims(now: Date) async throws {}

    public func completeOutbox(id: String, at: Date) async throws {
        try await client.withConnection { connection in
            try await connection.run(
                """
                UPDATE outbox SET status = 'delivered', delivered_at = \(Millis.from(at)), last_error = NULL
                WHERE id = \(id) AND status = 'pending'
                """)
        }
    }

    public func failOutbox(id: String, error: String, retryAt: Date?) async throws {
        let error = String(error.prefix(500))
        try await client.withConnection { connection in
            if let retryAt {
                try await connection.run(
                    """
                    UPDATE outbox SET last_error = \(error), next_attempt_at = \(Millis.from(retryAt))
                    WHERE id = \(id) AND status = 'pending'
                    """)
            } else {
                try await connection.run("UPDATE outbox SET last_error = \(error), status = 'dead' WHERE id = \(id) AND status = 'pending'")
            }
        }
    }

    public func outbox(status: OutboxMessage.Status, limit: Int) async throws -> [OutboxMessage] {
        try await client.withConnection { connection in
            try await connection.rows(
                "SELECT * FROM outbox WHERE status = \(status.rawValue) ORDER BY created_at DESC, id DESC LIMIT \(limit)"
            ).map(Self.outboxMessage)
        }
    }

    public func retryOutbox(id: String, at: Date) async throws -> Bool {
        try await client.withConnection { connection in
            try await connection.rows(
                """
                UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = \(Millis.from(at))
                WHERE id = \(id) AND status = 'dead' RETURNING id
                """
            ).count == 1
        }
    }

    public func nextOutboxAttempt() async throws -> Date? {
        try await client.withConnection { connection in
            try await connection.rows("SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'").first?.decode(Int64?.self)
                .map(Millis.date)
        }
    }

    public func saveSession(_ session: ConsoleSession) async throws {
        try await transaction { connection in
            try await connection.run("DELETE FROM sessions WHERE expires_at < \(Millis.from(session.createdAt))")
            try await connection.run(
                """
                INSERT INTO sessions (token_hash, approver, csrf_token, created_at, expires_at)
                VALUES (\(session.tokenHash), \(session.approver), \(session.csrfToken), \(Millis.from(session.createdAt)),
                    \(Millis.from(session.expiresAt)))
                """)
        }
    }

    public func session(tokenHash: String) async throws -> ConsoleSession? {
        try await client.withConnection { connection in
            try await connection.rows(
                "SELECT token_hash, approver, csrf_token, created_at, expires_at FROM sessions WHERE token_hash = \(tokenHash)"
            ).first.map { row in
                let (tokenHash, approver, csrfToken, createdAt, expiresAt) = try row.decode((String, String, String, Int64, Int64).self)
                return ConsoleSession(
                    tokenHash: tokenHash, approver: approver, csrfToken: csrfToken, createdAt: Millis.date(createdAt),
                    expiresAt: Millis.date(expiresAt))
            }
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await client.withConnection { connection in try await connection.run("DELETE FROM sessions WHERE token_hash = \(tokenHash)") }
    }
}
