import CountersignStore
import Foundation
import GRDB

/// The outbox and console sessions on SQLite.
extension SQLiteStore {
    static func insert(_ db: Database, _ message: OutboxMessage) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO outbox (id, kind, destination, owner, payload, status, attempts, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            message.id, message.kind, message.destination, message.owner, message.payload, message.status.rawValue, message.attempts,
            Millis.from(message.nextAttemptAt), Millis.from(message.createdAt),
        ])
    }

    /// The message of a row; ``UnreadableRecord`` when a column holds a value of the wrong type.
    static func outboxMessage(_ row: Row) throws -> OutboxMessage {
        do {
            return OutboxMessage(
                id: try row.decode(forColumn: "id"), kind: try row.decode(forColumn: "kind"), destination: try row.decode(forColumn: "destination"),
                owner: try row.decode(forColumn: "owner"), payload: try row.decode(forColumn: "payload"),
                status: OutboxMessage.Status(rawValue: try row.decode(forColumn: "status")) ?? .pending,
                attempts: try row.decode(forColumn: "attempts"),
                nextAttemptAt: Millis.date(try row.decode(forColumn: "next_attempt_at")), lastError: try row.decode(forColumn: "last_error"),
                createdAt: Millis.date(try row.decode(forColumn: "created_at")),
                deliveredAt: (try row.decode(forColumn: "delivered_at") as Int64?).map(Millis.date))
        } catch {
            throw UnreadableRecord(.outboxMessage, id: try? row.decode(forColumn: "id"), problem: RowProblem.describe(error))
        }
    }

    /// The messages of `rows`; an unreadable one is remembered and left out.
    func readableMessages(_ rows: [Row]) -> [OutboxMessage] {
        rows.compactMap { row in
            do {
                return try Self.outboxMessage(row)
            } catch {
                unreadableRecords.note(
                    error as? UnreadableRecord ?? UnreadableRecord(.outboxMessage, id: nil, problem: RowProblem.describe(error)))
                return nil
            }
        }
    }

    /// A message that cannot be read is declared dead (or, when even that is refused, its next
    /// attempt moves on by the lease), so it is never claimed again on every round.
    public func claimOutbox(now: Date, limit: Int, lease: TimeInterval) async throws -> [OutboxMessage] {
        try await pool.write { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql:
                        "SELECT rowid AS outbox_rowid, * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?"
                ),
                arguments: [Millis.from(now), limit]
            )
            var due: [OutboxMessage] = []
            for row in rows {
                do {
                    due.append(try Self.outboxMessage(row))
                } catch {
                    let unreadable = self.unreadableRecords.note(
                        error as? UnreadableRecord ?? UnreadableRecord(.outboxMessage, id: nil, problem: RowProblem.describe(error)))
                    let rowID: Int64? = try? row.decode(forColumn: "outbox_rowid")
                    do {
                        try db.execute(
                            sql: "UPDATE outbox SET status = 'dead', last_error = ? WHERE rowid = ?", arguments: [unreadable.description, rowID])
                    } catch {
                        try db.execute(
                            sql: "UPDATE outbox SET next_attempt_at = ? WHERE rowid = ?",
                            arguments: [Millis.from(now.addingTimeInterval(lease)), rowID])
                    }
                }
            }
            for message in due {
                try db.cachedStatement(sql: "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ? AND status = 'pending'")
                    .execute(arguments: [Millis.from(now.addingTimeInterval(lease)), message.id])
            }
            return due.map { message in
                var claimed = message
                claimed.attempts += 1
                return claimed
            }
        }
    }

    public func releaseOutboxClaims(now: Date) async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: "UPDATE outbox SET next_attempt_at = ? WHERE status = 'pending' AND attempts > 0 AND next_attempt_at > ?")
                .execute(arguments: [Millis.from(now), Millis.from(now)])
        }
    }

    public func completeOutbox(id: String, at: Date) async throws {
        try await pool.write { db in
            try db.cachedStatement(
                sql: "UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = NULL WHERE id = ? AND status = 'pending'"
            ).execute(arguments: [Millis.from(at), id])
        }
    }

    public func failOutbox(id: String, error: String, retryAt: Date?) async throws {
        try await pool.write { db in
            if let retryAt {
                try db.cachedStatement(sql: "UPDATE outbox SET last_error = ?, next_attempt_at = ? WHERE id = ? AND status = 'pending'").execute(
                    arguments: [String(error.prefix(500)), Millis.from(retryAt), id])
            } else {
                try db.cachedStatement(sql: "UPDATE outbox SET last_error = ?, status = 'dead' WHERE id = ? AND status = 'pending'").execute(
                    arguments: [String(error.prefix(500)), id])
            }
        }
    }

    public func outbox(status: OutboxMessage.Status, limit: Int) async throws -> [OutboxMessage] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM outbox WHERE status = ? ORDER BY created_at DESC LIMIT ?"),
                arguments: [status.rawValue, limit]
            )
            return self.readableMessages(rows)
        }
    }

    public func retryOutbox(id: String, at: Date) async throws -> Bool {
        try await pool.write { db in
            try db.cachedStatement(sql: "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ? AND status = 'dead'")
                .execute(arguments: [Millis.from(at), id])
            return db.changesCount == 1
        }
    }

    public func nextOutboxAttempt() async throws -> Date? {
        try await pool.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE status = 'pending'")).map(Millis.date)
        }
    }

    public func saveSession(_ session: ConsoleSession) async throws {
        try await pool.write { db in
            try db.cachedStatement(sql: "DELETE FROM sessions WHERE expires_at < ?").execute(arguments: [Millis.from(session.createdAt)])
            try db.cachedStatement(sql: "INSERT INTO sessions (token_hash, approver, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [
                    session.tokenHash, session.approver, session.csrfToken, Millis.from(session.createdAt), Millis.from(session.expiresAt),
                ])
        }
    }

    public func session(tokenHash: String) async throws -> ConsoleSession? {
        try await pool.read { db in
            // A session row that cannot be read is no session (the approver signs in again).
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM sessions WHERE token_hash = ?"), arguments: [tokenHash]).flatMap { row in
                try? ConsoleSession(
                    tokenHash: row.decode(forColumn: "token_hash"), approver: row.decode(forColumn: "approver"),
                    csrfToken: row.decode(forColumn: "csrf_token"), createdAt: Millis.date(row.decode(forColumn: "created_at")),
                    expiresAt: Millis.date(row.decode(forColumn: "expires_at")))
            }
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await pool.write { db in try db.cachedStatement(sql: "DELETE FROM sessions WHERE token_hash = ?").execute(arguments: [tokenHash]) }
    }
}
