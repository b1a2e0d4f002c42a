import CountersignCore
import CountersignStore
import Foundation
import PostgresNIO

/// One transaction's shared state while the group committer runs its writes: the connection, the
/// audit chain's head (locked for the whole transaction, read once), and the audit entries and
/// change notifications the writes produced. Entries and notifications are written by `flush()`
/// in one statement just before commit, so a write costs no round trip for its audit entries.
///
/// Used by one task at a time (the committer runs its writes one after another).
final class PostgresWriteBatch: @unchecked Sendable {
    let connection: PostgresConnection
    private let channel: String
    private let origin: String
    private let headSequence: Int64
    private var sequence: Int64
    private var previousHash: String
    private var audit = AuditRows()
    private var notifications: [String] = []

    /// Where a write started, to undo its effects on the batch when its savepoint rolls back.
    struct Mark {
        fileprivate var sequence: Int64
        fileprivate var previousHash: String
        fileprivate var auditCount: Int
        fileprivate var notificationCount: Int
    }

    /// Starts a batch in the connection's open transaction: locks the audit chain's head row first,
    /// so every writing transaction takes its locks in the same order (the head, then rows) and
    /// transactions of different replicas never deadlock.
    static func begin(_ connection: PostgresConnection, channel: String, origin: String) async throws -> PostgresWriteBatch {
        guard let head = try await connection.rows("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").first else {
            throw PostgresStoreError("the audit chain's head row is missing")
        }
        let (sequence, hash) = try head.decode((Int64, String).self)
        return PostgresWriteBatch(connection: connection, channel: channel, origin: origin, sequence: sequence, hash: hash)
    }

    private init(connection: PostgresConnection, channel: String, origin: String, sequence: Int64, hash: String) {
        self.connection = connection
        self.channel = channel
        self.origin = origin
        self.headSequence = sequence
        self.sequence = sequence
        self.previousHash = hash
    }

    /// Appends events to the audit chain (written by `flush()`).
    func append(_ events: [AuditEvent]) {
        for event in events {
            sequence += 1
            let hash = AuditChain.hash(previous: previousHash, sequence: sequence, event: event)
            var writer = JSONWriter(capacity: 128)
            writer.value(event.data)
            audit.add(
                sequence: sequence, at: Millis.from(event.at), kind: event.kind, proposalID: event.proposalID,
                approvalID: event.approvalID ?? "", actor: event.actor, data: String(decoding: writer.bytes, as: UTF8.self),
                previousHash: previousHash, hash: hash)
            previousHash = hash
        }
    }

    /// Announces a change of an approval to the other replicas (sent by `flush()`, delivered on commit).
    func notify(_ approvalID: String, deadline: Date?) {
        notifications.append(PostgresStore.payload(origin: origin, approvalID: approvalID, deadline: deadline))
    }

    func mark() -> Mark {
        Mark(sequence: sequence, previousHash: previousHash, auditCount: audit.count, notificationCount: notifications.count)
    }

    func restore(_ mark: Mark) {
        sequence = mark.sequence
        previousHash = mark.previousHash
        audit.truncate(to: mark.auditCount)
        notifications.removeSubrange(mark.notificationCount...)
    }

    /// Writes the audit entries, moves the chain's head and sends the notifications: one statement.
    func flush() async throws {
        guard sequence != headSequence || !notifications.isEmpty else { return }
        let rows = audit
        try await connection.run(
            """
            WITH head AS (UPDATE audit_head SET seq = \(sequence), hash = \(previousHash) WHERE id = 1),
            entries AS (
                INSERT INTO audit_log (seq, at, kind, proposal_id, approval_id, actor, data, prev_hash, hash)
                SELECT s, a, k, p, NULLIF(ap, ''), ac, d, ph, h
                FROM unnest(\(rows.sequences)::bigint[], \(rows.ats)::bigint[], \(rows.kinds)::text[], \(rows.proposalIDs)::text[],
                    \(rows.approvalIDs)::text[], \(rows.actors)::text[], \(rows.data)::text[], \(rows.previousHashes)::text[],
                    \(rows.hashes)::text[]) AS t(s, a, k, p, ap, ac, d, ph, h)
            )
            SELECT pg_notify(\(channel), n) FROM unnest(\(notifications)::text[]) AS n
            """)
    }
}

/// Audit entries as columns, for one multi-row insert.
private struct AuditRows {
    var sequences: [Int64] = []
    var ats: [Int64] = []
    var kinds: [String] = []
    var proposalIDs: [String] = []
    /// "" for none (stored as NULL).
    var approvalIDs: [String] = []
    var actors: [String] = []
    var data: [String] = []
    var previousHashes: [String] = []
    var hashes: [String] = []

    var count: Int { sequences.count }

    mutating func add(
        sequence: Int64, at: Int64, kind: String, proposalID: String, approvalID: String, actor: String, data: String,
        previousHash: String, hash: String
    ) {
        sequences.append(sequence)
        ats.append(at)
        kinds.append(kind)
        proposalIDs.append(proposalID)
        approvalIDs.append(approvalID)
        actors.append(actor)
        self.data.append(data)
        previousHashes.append(previousHash)
        hashes.append(hash)
    }

    mutating func truncate(to count: Int) {
        sequences.removeSubrange(count...)
        ats.removeSubrange(count...)
        kinds.removeSubrange(count...)
        proposalIDs.removeSubrange(count...)
        approvalIDs.removeSubrange(count...)
        actors.removeSubrange(count...)
        data.removeSubrange(count...)
        previousHashes.removeSubrange(count...)
        hashes.removeSubrange(count...)
    }
}
