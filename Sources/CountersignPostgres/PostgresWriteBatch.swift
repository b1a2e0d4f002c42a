import CountersignCore
import CountersignStore
import Foundation
import PostgresNIO

/// One transaction's shared state while the group committer runs its writes: the connection, and
/// the audit events and change notifications the writes produced. `flush()`, just before commit,
/// locks the audit chain's head, chains the events after it and writes them with the
/// notifications in one statement: a write costs no round trip for its audit entries, and the
/// head stays locked only from the flush to the commit, so other replicas' transactions run
/// their writes meanwhile and wait only to append.
///
/// Lock order: rows while the writes run, the head last. The head's holder takes no other lock,
/// so waiting for the head never closes a cycle.
///
/// Used by one task at a time (the committer runs its writes one after another).
final class PostgresWriteBatch: @unchecked Sendable {
    let connection: PostgresConnection
    private let channel: String
    private let origin: String
    private var events: [AuditEvent] = []
    private var notifications: [String] = []

    /// Where a write started, to undo its effects on the batch when its savepoint rolls back.
    struct Mark {
        fileprivate var eventCount: Int
        fileprivate var notificationCount: Int
    }

    init(connection: PostgresConnection, channel: String, origin: String) {
        self.connection = connection
        self.channel = channel
        self.origin = origin
    }

    /// Appends events to the audit chain (written by `flush()`).
    func append(_ events: [AuditEvent]) {
        self.events += events
    }

    /// Announces a change of an approval to the other replicas (sent by `flush()`, delivered on commit).
    func notify(_ approvalID: String, deadline: Date?) {
        notifications.append(PostgresStore.payload(origin: origin, approvalID: approvalID, deadline: deadline))
    }

    func mark() -> Mark {
        Mark(eventCount: events.count, notificationCount: notifications.count)
    }

    func restore(_ mark: Mark) {
        events.removeSubrange(mark.eventCount...)
        notifications.removeSubrange(mark.notificationCount...)
    }

    /// Chains the audit events after the head (locking it until commit), writes them, moves the
    /// head and sends the notifications.
    func flush() async throws {
        guard !events.isEmpty || !notifications.isEmpty else { return }
        var rows = AuditRows()
        var sequence: Int64 = 0
        var previousHash = ""
        if !events.isEmpty {
            guard let head = try await connection.rows("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE").first else {
                throw PostgresStoreError("the audit chain's head row is missing")
            }
            (sequence, previousHash) = try head.decode((Int64, String).self)
            for event in events {
                sequence += 1
                let data = AuditChain.canonicalData(event.data)
                let hash = AuditChain.hash(previous: previousHash, sequence: sequence, event: event, canonicalData: data)
                rows.add(
                    sequence: sequence, at: Millis.from(event.at), kind: event.kind, proposalID: event.proposalID,
                    approvalID: event.approvalID ?? "", actor: event.actor, data: String(decoding: data, as: UTF8.self),
                    previousHash: previousHash, hash: hash)
                previousHash = hash
            }
        }
        let moveHead = !events.isEmpty
        try await connection.run(
            """
            WITH head AS (UPDATE audit_head SET seq = \(sequence), hash = \(previousHash) WHERE id = 1 AND \(moveHead)),
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
}
