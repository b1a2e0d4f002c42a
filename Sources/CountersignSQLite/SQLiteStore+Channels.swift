import CountersignCore
import CountersignStore
import Foundation
import GRDB

/// Posted channel cards and queued escalation steps on SQLite.
extension SQLiteStore {
    public func enqueueOutbox(_ messages: [OutboxMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await pool.write { db in
            for message in messages
            where try !Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE id = ?)"), arguments: [message.id])! {
                try Self.insert(db, message)
            }
        }
    }

    public func saveChannelPost(_ post: ChannelPost) async throws {
        try await pool.write { db in
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO channel_posts (approval_id, approver, channel, conversation, message_id, posted_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [post.approvalID, post.approver, post.channel, post.conversation, post.messageID, Millis.from(post.postedAt)])
        }
    }

    public func recordOnPending(approvalID: String, audit: AuditEvent, outbox: [OutboxMessage]) async throws -> Bool {
        try await pool.write { db in
            guard try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM approvals WHERE id = ?"), arguments: [approvalID]) == "pending"
            else {
                return false
            }
            if let first = outbox.first,
                try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM outbox WHERE id = ?"), arguments: [first.id]) == true
            {
                return true
            }
            try Self.append(db, audit)
            for message in outbox { try Self.insert(db, message) }
            return true
        }
    }

    public func channelPostCount(approver: String, channel: String, since: Date) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM channel_posts WHERE approver = ? AND channel = ? AND posted_at >= ?"),
                arguments: [approver, channel, Millis.from(since)]) ?? 0
        }
    }

    public func proposals(level: Level, from: Date, to: Date, limit: Int) async throws -> [ProposalRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql:
                        // The level as a literal (one of four fixed words), so that for `notify` the
                        // partial index `proposals_notify_by_time` serves the query.
                        "SELECT \(Self.proposalColumns) FROM proposals p WHERE p.level = '\(level.rawValue)' AND p.created_at >= ? AND p.created_at < ? ORDER BY p.created_at, p.id LIMIT ?"
                ),
                arguments: [Millis.from(from), Millis.from(to), limit]
            ).compactMap { row in
                // One that cannot be read is left out of the digest (and remembered for the log).
                do {
                    return try Self.proposalRecord(row)
                } catch let unreadable as UnreadableRecord {
                    self.unreadableRecords.note(unreadable)
                    return nil
                }
            }
        }
    }

    public func channelPosts(approvalID: String) async throws -> [ChannelPost] {
        try await pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM channel_posts WHERE approval_id = ? ORDER BY posted_at, approver"), arguments: [approvalID]
            ).compactMap { row in
                try? ChannelPost(
                    approvalID: row.decode(forColumn: "approval_id"), approver: row.decode(forColumn: "approver"),
                    channel: row.decode(forColumn: "channel"), conversation: row.decode(forColumn: "conversation"),
                    messageID: row.decode(forColumn: "message_id"), postedAt: Millis.date(row.decode(forColumn: "posted_at")))
            }
        }
    }
}
