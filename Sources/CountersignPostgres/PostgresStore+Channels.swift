import CountersignCore
import CountersignStore
import Foundation
import PostgresNIO

/// Posted channel cards and queued escalation steps on PostgreSQL.
extension PostgresStore {
    /// Replicas that both deliver the same timer insert the step once: the second insert of an id
    /// does nothing.
    public func enqueueOutbox(_ messages: [OutboxMessage]) async throws {
        guard !messages.isEmpty else { return }
        try await transaction { connection in
            for message in messages {
                try await connection.run(
                    """
                    INSERT INTO outbox (id, kind, destination, owner, payload, status, attempts, next_attempt_at, created_at)
                    VALUES (\(message.id), \(message.kind), \(message.destination), \(message.owner), \(message.payload),
                        \(message.status.rawValue), \(message.attempts), \(Millis.from(message.nextAttemptAt)),
                        \(Millis.from(message.createdAt)))
                    ON CONFLICT (id) DO NOTHING
                    """)
            }
        }
    }

    public func saveChannelPost(_ post: ChannelPost) async throws {
        try await client.withConnection { connection in
            try await connection.run(
                """
                INSERT INTO channel_posts (approval_id, approver, channel, conversation, message_id, posted_at)
                VALUES (\(post.approvalID), \(post.approver), \(post.channel), \(post.conversation), \(post.messageID),
                    \(Millis.from(post.postedAt)))
                ON CONFLICT (approval_id, approver, channel) DO UPDATE
                SET conversation = excluded.conversation, message_id = excluded.message_id, posted_at = excluded.posted_at
                """)
        }
    }

    /// Locks the approval's row, so a decision on another replica waits for the reassignment (or
    /// the reassignment finds it decided).
    public func recordOnPending(approvalID: String, audit: AuditEvent, outbox: [OutboxMessage]) async throws -> Bool {
        try await committer.write { batch in
            let connection = batch.connection
            guard
                try await connection.rows("SELECT status FROM approvals WHERE id = \(approvalID) FOR UPDATE").first?.decode(String.self)
                    == ApprovalStatus.pending.rawValue
            else { return false }
            if let first = outbox.first, try await !connection.rows("SELECT 1 FROM outbox WHERE id = \(first.id)").isEmpty { return true }
            for message in outbox { try await Self.insert(connection, message) }
            batch.append([audit])
            return true
        }
    }

    public func channelPostCount(approver: String, channel: String, since: Date) async throws -> Int {
        try await client.withConnection { connection in
            try await connection.rows(
                """
                SELECT COUNT(*) FROM channel_posts WHERE approver = \(approver) AND channel = \(channel) AND posted_at >= \(Millis.from(since))
                """
            ).first?.decode(Int.self) ?? 0
        }
    }

    /// The level is a literal (one of four fixed words), so that for `notify` the partial index
    /// `proposals_notify_by_time` serves the query.
    public func proposals(level: Level, from: Date, to: Date, limit: Int) async throws -> [ProposalRecord] {
        try await client.withConnection { connection in
            try await connection.rows(
                """
                SELECT \(unescaped: Self.proposalColumns) FROM proposals p
                WHERE p.level = '\(unescaped: level.rawValue)' AND p.created_at >= \(Millis.from(from)) AND p.created_at < \(Millis.from(to))
                ORDER BY p.created_at, p.id COLLATE "C" LIMIT \(limit)
                """
            ).compactMap { row in
                // One that cannot be read is left out of the digest (and remembered for the log).
                do {
                    return try Self.proposalRecord(row.makeRandomAccess())
                } catch let unreadable as UnreadableRecord {
                    self.unreadableRecords.note(unreadable)
                    return nil
                }
            }
        }
    }

    public func channelPosts(approvalID: String) async throws -> [ChannelPost] {
        try await client.withConnection { connection in
            try await connection.rows(
                """
                SELECT approval_id, approver, channel, conversation, message_id, posted_at FROM channel_posts
                WHERE approval_id = \(approvalID) ORDER BY posted_at, approver COLLATE "C"
                """
            ).map { row in
                let (approvalID, approver, channel, conversation, messageID, postedAt) = try row.decode(
                    (String, String, String, String, String, Int64).self)
                return ChannelPost(
                    approvalID: approvalID, approver: approver, channel: channel, conversation: conversation, messageID: messageID,
                    postedAt: Millis.date(postedAt))
            }
        }
    }
}
