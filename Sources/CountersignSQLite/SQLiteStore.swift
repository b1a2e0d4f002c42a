import CSQLiteTuning
import CountersignCore
import CountersignStore
import Foundation
import GRDB
import GRDBSQLite

/// The gateway's store on a SQLite file: WAL journal, `synchronous=FULL` (a commit is on disk
/// before any response), constraints in the schema, and concurrent writes sharing commits.
public final class SQLiteStore: GatewayStore {
    /// Where the file lives and how writes are grouped.
    public struct Configuration: Sendable {
        public var path: String
        /// The most writes one commit takes.
        public var maximumBatch: Int

        public init(path: String, maximumBatch: Int = 256) {
            self.path = path
            self.maximumBatch = maximumBatch
        }
    }

    let pool: DatabasePool
    public let unreadableRecords = UnreadableRecords()
    /// Whether SQLite's memory statistics are off: set once per process, before the first
    /// connection opens (otherwise SQLite refuses, and they stay on). With them on, every
    /// allocation SQLite makes takes a global mutex; under load that was a fifth of the time of
    /// each proposal's insert.
    static let memoryStatisticsOff = countersign_sqlite_disable_memory_statistics() == SQLITE_OK

    /// `PRAGMA synchronous` reads 2 for FULL: the WAL is synced at every commit.
    static let synchronousFull = 2
    private let committer: GroupCommitter

    /// Opens (creating if needed) the database file. Call `migrate()` before use.
    public init(configuration: Configuration) throws {
        _ = Self.memoryStatisticsOff
        var config = GRDB.Configuration()
        config.prepareDatabase { db in
            // The page cache stays at SQLite's default (2 MB): at every commit SQLite scans its
            // page hash to drop pages past the end of the file, and with a 64 MB cache that scan
            // took an eighth of the writer's time under load (misses are served by the OS cache).
            // Checkpoints run less often (every ~40 MB of WAL) so fewer commits pay for one.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Savepoints and statement journals in memory: on disk, each commit of a batch that
            // touched more than 64 KiB of pages created, wrote and deleted a temporary file.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        // Several processes (a second `serve`, `audit verify`) may open the file: wait, don't fail.
        config.busyMode = .timeout(10)
        pool = try DatabasePool(path: configuration.path, configuration: config)
        // Only the writer's setting matters, and it must be set here: GRDB's pool sets
        // `synchronous = NORMAL` on its writer after `prepareDatabase` has run. NORMAL in WAL mode
        // syncs only at checkpoints, so a power loss could undo commits that were acknowledged.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            let level = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            guard level == Self.synchronousFull else {
                throw DatabaseError(
                    message: "could not set synchronous = FULL on \(configuration.path) (it is \(level.map(String.init) ?? "unknown"))")
            }
        }
        committer = GroupCommitter(writer: pool, maximumBatch: configuration.maximumBatch)
    }

    public func migrate() async throws {
        try SQLiteSchema.migrator.migrate(pool)
    }

    // MARK: Proposals

    public func propose(
        agent: String, idempotencyKey: String?, history: HistoryQuery?,
        prepare: @escaping @Sendable (SubjectHistory) -> PreparedProposal
    ) async throws -> ProposeResult {
        try await committer.write { db in
            if let idempotencyKey {
                var lookup = try FastStatement(db, sql: "SELECT id FROM proposals WHERE agent = ? AND idempotency_key = ?")
                lookup.bind(agent)
                lookup.bind(idempotencyKey)
                var id: String?
                try lookup.forEachRow { row in id = row.text(0) }
                if let id, let existing = try self.noting({ try Self.proposalView(db, id: id) }) { return .existing(existing) }
            }
            let subjectHistory = try history.map { try Self.history(db, $0) } ?? .empty
            let prepared = prepare(subjectHistory)
            try Self.insert(db, prepared.proposal)
            if let approval = prepared.approval { try Self.insert(db, approval, of: prepared.proposal) }
            for event in prepared.audit { try Self.append(db, event) }
            for message in prepared.outbox { try Self.insert(db, message) }
            return .created(ProposalView(proposal: prepared.proposal, approval: prepared.approval))
        }
    }

    public func proposal(id: String) async throws -> ProposalView? {
        try await pool.read { db in try self.noting { try Self.proposalView(db, id: id) } }
    }

    public func approval(id: String) async throws -> ApprovalView? {
        try await pool.read { db in try self.noting { try Self.approvalView(db, id: id) } }
    }

    /// Runs `body`, remembering any record it finds unreadable before passing the error on.
    func noting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let unreadable as UnreadableRecord {
            throw unreadableRecords.note(unreadable)
        }
    }

    /// The views of `rows`; an unreadable one is remembered and left out.
    func readableViews(_ rows: [Row]) -> [ApprovalView] {
        rows.compactMap { row in
            do {
                return try Self.approvalView(row)
            } catch {
                unreadableRecords.note(
                    error as? UnreadableRecord
                        ?? UnreadableRecord(.approval, id: try? row.decode(forColumn: "id"), problem: RowProblem.describe(error)))
                return nil
            }
        }
    }

    /// Up to `limit` readable views from `fetch`, which reads `wanted` rows in the page's order
    /// after a position (the last row's `key` column and id; `start` for the first read). A row
    /// that cannot be read is remembered and left out, and the page is filled from the rows after
    /// it, so one bad row never hides the rest of the queue or ends it early.
    func readablePage(
        limit: Int, from start: (key: Int64, id: String)?, key: String,
        _ fetch: (_ position: (key: Int64, id: String)?, _ wanted: Int) throws -> [Row]
    ) throws -> [ApprovalView] {
        var views: [ApprovalView] = []
        var position = start
        while views.count < limit {
            let wanted = limit - views.count
            let rows = try fetch(position, wanted)
            views += readableViews(rows)
            // Fewer rows than asked: the end. Otherwise go on after the last row, read or not.
            guard rows.count == wanted, let last = rows.last, let id: String = try? last.decode(forColumn: "id"),
                let value: Int64 = try? last.decode(forColumn: key)
            else { break }
            position = (value, id)
        }
        return views
    }

    // MARK: Approvals

    public func transition(
        approvalID: String, _ transition: @escaping @Sendable (ApprovalView) -> Transition
    ) async throws -> TransitionResult {
        try await committer.write { db in try self.noting { try Self.apply(transition, to: approvalID, db) } }
    }

    public func transitionDue(
        at now: Date, limit: Int, _ transition: @escaping @Sendable (ApprovalView) -> Transition
    ) async throws -> [TransitionResult] {
        let unreadable = unreadableRecords.approvalIDs
        return try await committer.write { db in
            let due = try String.fetchAll(
                db.cachedStatement(
                    sql: "SELECT id FROM approvals WHERE status = 'pending' AND deadline <= ?\(Self.excluding(unreadable)) ORDER BY deadline LIMIT ?"),
                arguments: [Millis.from(now)] + StatementArguments(unreadable.sorted()) + [limit])
            // One that cannot be read is passed over (and remembered, so the next tick does not
            // claim it again); the others still expire.
            return try due.compactMap { id in
                do {
                    return try Self.apply(transition, to: id, db)
                } catch let record as UnreadableRecord {
                    var record = record
                    record.approvalID = id
                    self.unreadableRecords.note(record)
                    return nil
                }
            }
        }
    }

    /// Loads the approval, asks `transition`, and applies the answer while it is still pending.
    static func apply(_ transition: (ApprovalView) -> Transition, to approvalID: String, _ db: Database) throws -> TransitionResult {
        guard let view = try Self.approvalView(db, id: approvalID) else { return .notFound }
        switch transition(view) {
        case .refuse(let refusal):
            return .refused(refusal, view)
        case .recordFirstApproval(let by, let at, let audit):
            try db.cachedStatement(
                sql: """
                    UPDATE approvals SET first_approved_by = ?, first_approved_at = ?
                    WHERE id = ? AND status = 'pending' AND first_approved_by IS NULL
                    """
            ).execute(arguments: [by, Millis.from(at), approvalID])
            guard db.changesCount == 1 else {
                let current = try Self.approvalView(db, id: approvalID) ?? view
                let status = current.approval.status
                return .refused(status == .pending ? .sameApprover(current.approval.firstApprovedBy ?? by) : .notPending(status), current)
            }
            try Self.append(db, audit)
            return .firstApprovalRecorded(view.firstApprovalRecorded(by: by, at: at))
        case .resolve(let status, let by, let at, let comment, let audit, let outbox):
            try db.cachedStatement(
                sql: """
                    UPDATE approvals SET status = ?, decided_by = ?, decided_at = ?, comment = ?
                    WHERE id = ? AND status = 'pending'
                    """
            ).execute(arguments: [status.rawValue, by, Millis.from(at), comment, approvalID])
            guard db.changesCount == 1 else {
                let current = try Self.approvalView(db, id: approvalID) ?? view
                return .refused(.notPending(current.approval.status), current)
            }
            try Self.append(db, audit)
            for message in outbox { try Self.insert(db, message) }
            return .resolved(view.resolved(status, by: by, at: at, comment: comment))
        }
    }

    /// Approvals that cannot be read are left out: their deadline would wake the timer at once, forever.
    public func nextDeadline() async throws -> Date? {
        let unreadable = unreadableRecords.approvalIDs
        return try await pool.read { db in
            try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT MIN(deadline) FROM approvals WHERE status = 'pending'\(Self.excluding(unreadable))"),
                arguments: StatementArguments(unreadable.sorted())
            ).map(Millis.date)
        }
    }

    /// ` AND id NOT IN (?, …)` for `ids`, or nothing when there are none.
    static func excluding(_ ids: Set<String>) -> String {
        ids.isEmpty ? "" : " AND id NOT IN (\(ids.map { _ in "?" }.joined(separator: ", ")))"
    }

    public func pendingCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM approvals WHERE status = 'pending'")) ?? 0 }
    }

    // MARK: Outcomes

    public func recordOutcome(proposalID: String, _ outcome: OutcomeRecord) async throws -> OutcomeResult {
        try await committer.write { db in
            guard let view = try self.noting({ try Self.proposalView(db, id: proposalID) }) else { return .notFound }
            if view.proposal.outcome != nil { return .alreadyRecorded(view) }
            try db.cachedStatement(
                sql: "UPDATE proposals SET outcome = ?, outcome_detail = ?, outcome_by = ?, outcome_at = ? WHERE id = ? AND outcome IS NULL"
            ).execute(arguments: [outcome.outcome.rawValue, outcome.detail, outcome.reportedBy, Millis.from(outcome.at), proposalID])
            var data: [JSONMember] = [JSONMember("outcome", .string(outcome.outcome.rawValue))]
            if let detail = outcome.detail { data.append(JSONMember("detail", .string(detail))) }
            try Self.append(
                db,
                AuditEvent(
                    kind: "outcome", at: outcome.at, proposalID: proposalID, approvalID: view.approval?.id, actor: outcome.reportedBy,
                    data: .object(data)))
            var recorded = view
            recorded.proposal.outcome = outcome
            return .recorded(recorded)
        }
    }

    // MARK: Consumption

    public func consume(approvalID: String, by: String, at: Date, audit: AuditEvent) async throws -> ConsumeResult {
        try await committer.write { db in
            try db.cachedStatement(
                sql: "UPDATE approvals SET consumed_at = ?, consumed_by = ? WHERE id = ? AND status = 'approved' AND consumed_at IS NULL"
            ).execute(arguments: [Millis.from(at), by, approvalID])
            let changed = db.changesCount == 1
            guard let view = try self.noting({ try Self.approvalView(db, id: approvalID) }) else { return .notFound }
            guard changed else { return view.approval.status == .approved ? .alreadyConsumed(view) : .notApproved(view) }
            try Self.append(db, audit)
            return .consumed(view)
        }
    }

    // MARK: Audit and credentials

    /// Entries with their data exactly as stored (what the hash covers); one whose columns cannot
    /// be read is ``UnreadableRecord``.
    public func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?"), arguments: [sequence, limit]).map
            { row in
                do {
                    let data: String = try row.decode(forColumn: "data")
                    return AuditEntry(
                        sequence: try row.decode(forColumn: "seq"), at: Millis.date(try row.decode(forColumn: "at")),
                        kind: try row.decode(forColumn: "kind"),
                        proposalID: try row.decode(forColumn: "proposal_id"), approvalID: try row.decode(forColumn: "approval_id"),
                        actor: try row.decode(forColumn: "actor"), storedData: Array(data.utf8), previousHash: try row.decode(forColumn: "prev_hash"),
                        hash: try row.decode(forColumn: "hash"))
                } catch {
                    let sequence = (try? row.decode(Int64.self, forColumn: "seq")).map(String.init)
                    throw UnreadableRecord(.auditEntry, id: sequence, problem: RowProblem.describe(error))
                }
            }
        }
    }

    public func credentials() async throws -> [StoredCredential] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT role, name, hash FROM credentials ORDER BY role, name")).compactMap { row in
                guard let role = (try? row.decode(String.self, forColumn: "role")).flatMap(StoredCredential.Role.init(rawValue:)),
                    let name: String = try? row.decode(forColumn: "name"), let hash: String = try? row.decode(forColumn: "hash")
                else { return nil }
                return StoredCredential(role: role, name: name, hash: hash)
            }
        }
    }

    public func saveCredential(_ credential: StoredCredential) async throws {
        try await committer.write { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO credentials (role, name, hash) VALUES (?, ?, ?)").execute(arguments: [
                credential.role.rawValue, credential.name, credential.hash,
            ])
        }
    }
}
