import CountersignCore
import CountersignStore
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The gateway's store on PostgreSQL, shared by any number of gateway replicas. Every state change
/// is one transaction; decisions and expiries change an approval only while it is pending (the row
/// is locked for the transaction); audit appends lock the chain's head row, so all replicas write
/// one chain; each change sends a `NOTIFY` that other replicas' change feeds receive after commit.
///
/// `run()` runs the connection pool (a ServiceLifecycle service): start it before `migrate()`.
public final class PostgresStore: GatewayStore, Service {
    public struct Configuration: Sendable {
        public var url: PostgresURL
        /// A schema to keep the tables in (tests use a fresh one each); `nil`: the user's default.
        public var schema: String?
        public var maximumConnections: Int
        /// How long an operation waits for a pooled connection before it fails with
        /// `StoreUnavailable` (the database is down, or every connection is busy).
        public var leaseTimeout: Duration
        /// How long one operation may keep a leased connection before it is closed and the
        /// operation fails with `StoreUnavailable` (meant for a hung server: keep it well above the
        /// slowest statement); `nil`: no limit. The lease wait never cancels a running statement.
        public var answerTimeout: Duration?

        public init(
            url: PostgresURL, schema: String? = nil, maximumConnections: Int = 20, leaseTimeout: Duration = .seconds(5),
            answerTimeout: Duration? = .seconds(30)
        ) {
            self.url = url
            self.schema = schema
            self.maximumConnections = maximumConnections
            self.leaseTimeout = leaseTimeout
            self.answerTimeout = answerTimeout
        }

        /// The NOTIFY channel changes are announced on (one per schema).
        var channel: String { "countersign_changes" + (schema.map { "_\($0)" } ?? "") }

        func connectionOptions() -> [(String, String)] {
            schema.map { [("search_path", $0)] } ?? []
        }
    }

    let configuration: Configuration
    /// The connection pool; every lease waits at most `configuration.leaseTimeout`.
    let client: PostgresPool
    let logger: Logger
    /// Names this process in its own notifications, so its feed skips them.
    let origin: String
    /// Every write that appends to the audit chain goes through it.
    let committer: PostgresGroupCommitter
    public let unreadableRecords = UnreadableRecords()

    public init(configuration: Configuration, logger: Logger = Logger(label: "countersign.postgres")) throws {
        if let schema = configuration.schema {
            guard !schema.isEmpty, schema.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
                throw PostgresURL.Invalid(description: "a schema name is lowercase letters, digits and underscores")
            }
        }
        self.configuration = configuration
        self.logger = logger
        let url = configuration.url
        var clientConfiguration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: url.clientTLS)
        clientConfiguration.options.maximumConnections = configuration.maximumConnections
        clientConfiguration.options.additionalStartupParameters = configuration.connectionOptions()
        let client = PostgresPool(
            client: PostgresClient(configuration: clientConfiguration, backgroundLogger: logger), leaseTimeout: configuration.leaseTimeout,
            answerTimeout: configuration.answerTimeout, store: "PostgreSQL at \(url)",
            retryAfterSeconds: max(1, Int(configuration.leaseTimeout.components.seconds)))
        let origin = String(UUID().uuidString.prefix(8).lowercased())
        self.client = client
        self.origin = origin
        committer = PostgresGroupCommitter(channel: configuration.channel, origin: origin) { body in
            try await client.withConnection { connection in try await body(connection) }
        }
    }

    /// Where the database is (its description leaves the password out).
    public var url: PostgresURL { configuration.url }

    /// Runs the connection pool until cancelled.
    public func run() async throws {
        await client.run()
    }

    // MARK: Migrations

    /// Applies the migrations not yet applied, all in one transaction under an advisory lock, so
    /// replicas that start together migrate once and the others find the schema ready.
    public func migrate() async throws {
        let lockKey = Self.stableKey("countersign migrations " + (configuration.schema ?? ""))
        let schema = configuration.schema
        try await transaction { connection in
            try await connection.run("SELECT pg_advisory_xact_lock(\(lockKey))")
            if let schema { try await connection.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")) }
            try await connection.run("CREATE TABLE IF NOT EXISTS countersign_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            let applied = Set(try await connection.rows("SELECT name FROM countersign_migrations").map { try $0.decode(String.self) })
            for migration in PostgresSchema.migrations where !applied.contains(migration.name) {
                for statement in migration.statements { try await connection.run(PostgresQuery(unsafeSQL: statement)) }
                try await connection.run(
                    "INSERT INTO countersign_migrations (name, applied_at) VALUES (\(migration.name), \(Millis.from(Date())))")
            }
        }
    }

    /// A 64-bit FNV-1a hash: the same key in every process, for advisory locks.
    static func stableKey(_ text: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    // MARK: Proposals

    public func propose(
        agent: String, idempotencyKey: String?, history: HistoryQuery?,
        prepare: @escaping @Sendable (SubjectHistory) -> PreparedProposal
    ) async throws -> ProposeResult {
        try await committer.write { batch in
            let connection = batch.connection
            let context = try await Self.proposalContext(connection, agent: agent, idempotencyKey: idempotencyKey, history: history)
            if let id = context.existingID, let existing = try await self.noting({ try await Self.proposalView(connection, id: id) }) {
                return ProposeResult.existing(existing)
            }
            let prepared = prepare(context.history)
            // A retry with the same key may have committed meanwhile (on another replica) or be
            // earlier in this batch: the insert then inserts nothing, and that proposal is the answer.
            let inserted =
                if let approval = prepared.approval {
                    try await Self.insert(connection, prepared.proposal, approval)
                } else {
                    try await Self.insert(connection, prepared.proposal)
                }
            guard inserted else {
                guard let idempotencyKey,
                    let id = try await connection.rows(
                        "SELECT id FROM proposals WHERE agent = \(agent) AND idempotency_key = \(idempotencyKey)"
                    ).first?.decode(String.self),
                    let existing = try await Self.proposalView(connection, id: id)
                else { throw PostgresStoreError("a proposal with this id already exists") }
                return .existing(existing)
            }
            if let approval = prepared.approval { batch.notify(approval.id, deadline: approval.deadline) }
            for message in prepared.outbox { try await Self.insert(connection, message) }
            batch.append(prepared.audit)
            return .created(ProposalView(proposal: prepared.proposal, approval: prepared.approval))
        }
    }

    public func proposal(id: String) async throws -> ProposalView? {
        try await client.withConnection { connection in try await self.noting { try await Self.proposalView(connection, id: id) } }
    }

    public func approval(id: String) async throws -> ApprovalView? {
        try await client.withConnection { connection in try await self.noting { try await Self.approvalView(connection, id: id, lock: false) } }
    }

    /// Runs `body`, remembering any record it finds unreadable before passing the error on.
    func noting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let unreadable as UnreadableRecord {
            throw unreadableRecords.note(unreadable)
        }
    }

    /// Up to `limit` readable views from `fetch`, which reads `wanted` rows in the page's order
    /// after a position (the last row's `key` column and id; `start` for the first read). A row
    /// that cannot be read is remembered and left out, and the page is filled from the rows after
    /// it, so one bad row never hides the rest of the queue or ends it early.
    func readablePage(
        limit: Int, from start: (key: Int64, id: String)?, key: String,
        _ fetch: @escaping @Sendable (_ position: (key: Int64, id: String)?, _ wanted: Int) throws -> PostgresQuery
    ) async throws -> [ApprovalView] {
        try await client.withConnection { connection in
            var views: [ApprovalView] = []
            var position = start
            while views.count < limit {
                let wanted = limit - views.count
                let rows = try await connection.rows(try fetch(position, wanted))
                for row in rows {
                    do {
                        views.append(try Self.approvalView(row))
                    } catch let unreadable as UnreadableRecord {
                        self.unreadableRecords.note(unreadable)
                    }
                }
                // Fewer rows than asked: the end. Otherwise go on after the last row, read or not.
                guard rows.count == wanted, let last = rows.last?.makeRandomAccess(),
                    let id = try? last["id"].decode(String.self), let value = try? last[key].decode(Int64.self)
                else { break }
                position = (value, id)
            }
            return views
        }
    }

    // MARK: Approvals

    public func transition(
        approvalID: String, _ transition: @escaping @Sendable (ApprovalView) -> Transition
    ) async throws -> TransitionResult {
        try await committer.write { batch in try await self.noting { try await Self.apply(transition, to: approvalID, in: batch) } }
    }

    /// In one transaction with the other writes of its batch: claims the due approvals no other
    /// replica holds locked (`FOR UPDATE SKIP LOCKED`) and applies `transition` to each.
    public func transitionDue(
        at now: Date, limit: Int, _ transition: @escaping @Sendable (ApprovalView) -> Transition
    ) async throws -> [TransitionResult] {
        let unreadable = unreadableRecords.approvalIDs.sorted()
        return try await committer.write { batch in
            let due = try await batch.connection.rows(
                """
                SELECT id FROM approvals WHERE status = 'pending' AND deadline <= \(Millis.from(now))
                AND NOT (id = ANY(\(unreadable)::text[]))
                ORDER BY deadline LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """
            ).map { try $0.decode(String.self) }
            var results: [TransitionResult] = []
            for id in due {
                // One that cannot be read is passed over (and remembered, so the next tick does
                // not claim it again); the others still expire. Reading changes nothing to undo.
                do {
                    results.append(try await Self.apply(transition, to: id, in: batch))
                } catch var record as UnreadableRecord {
                    record.approvalID = id
                    self.unreadableRecords.note(record)
                }
            }
            return results
        }
    }

    /// Loads the approval (locking its row until commit, so a concurrent decision on another
    /// replica waits, then finds it no longer pending), asks `transition`, and applies the answer.
    static func apply(
        _ transition: @Sendable (ApprovalView) -> Transition, to approvalID: String, in batch: PostgresWriteBatch
    ) async throws -> TransitionResult {
        let connection = batch.connection
        guard let view = try await approvalView(connection, id: approvalID, lock: true) else { return .notFound }
        switch transition(view) {
        case .refuse(let refusal):
            return .refused(refusal, view)
        case .recordFirstApproval(let by, let at, let audit):
            let updated = try await connection.rows(
                """
                UPDATE approvals SET first_approved_by = \(by), first_approved_at = \(Millis.from(at))
                WHERE id = \(approvalID) AND status = 'pending' AND first_approved_by IS NULL RETURNING id
                """)
            guard updated.count == 1 else {
                let current = try await approvalView(connection, id: approvalID, lock: false) ?? view
                let status = current.approval.status
                return .refused(status == .pending ? .sameApprover(current.approval.firstApprovedBy ?? by) : .notPending(status), current)
            }
            batch.notify(approvalID, deadline: view.approval.deadline)
            batch.append([audit])
            return .firstApprovalRecorded(view.firstApprovalRecorded(by: by, at: at))
        case .resolve(let status, let by, let at, let comment, let audit, let outbox):
            let updated = try await connection.rows(
                """
                UPDATE approvals SET status = \(status.rawValue), decided_by = \(by), decided_at = \(Millis.from(at)), comment = \(comment)
                WHERE id = \(approvalID) AND status = 'pending' RETURNING id
                """)
            guard updated.count == 1 else {
                let current = try await approvalView(connection, id: approvalID, lock: false) ?? view
                return .refused(.notPending(current.approval.status), current)
            }
            for message in outbox { try await insert(connection, message) }
            batch.notify(approvalID, deadline: nil)
            batch.append([audit])
            return .resolved(view.resolved(status, by: by, at: at, comment: comment))
        }
    }

    /// Approvals that cannot be read are left out: their deadline would wake the timer at once, forever.
    public func nextDeadline() async throws -> Date? {
        let unreadable = unreadableRecords.approvalIDs.sorted()
        return try await client.withConnection { connection in
            try await connection.rows(
                "SELECT MIN(deadline) FROM approvals WHERE status = 'pending' AND NOT (id = ANY(\(unreadable)::text[]))"
            ).first?.decode(Int64?.self).map(Millis.date)
        }
    }

    public func pendingCount() async throws -> Int {
        try await client.withConnection { connection in
            try await connection.rows("SELECT COUNT(*) FROM approvals WHERE status = 'pending'").first?.decode(Int.self) ?? 0
        }
    }

    // MARK: Outcomes

    public func recordOutcome(proposalID: String, _ outcome: OutcomeRecord) async throws -> OutcomeResult {
        try await committer.write { batch in
            let connection = batch.connection
            guard
                try await connection.rows("SELECT id FROM proposals WHERE id = \(proposalID) FOR UPDATE").first != nil,
                let view = try await self.noting({ try await Self.proposalView(connection, id: proposalID) })
            else { return OutcomeResult.notFound }
            if view.proposal.outcome != nil { return .alreadyRecorded(view) }
            try await connection.run(
                """
                UPDATE proposals SET outcome = \(outcome.outcome.rawValue), outcome_detail = \(outcome.detail),
                    outcome_by = \(outcome.reportedBy), outcome_at = \(Millis.from(outcome.at))
                WHERE id = \(proposalID) AND outcome IS NULL
                """)
            var data: [JSONMember] = [JSONMember("outcome", .string(outcome.outcome.rawValue))]
            if let detail = outcome.detail { data.append(JSONMember("detail", .string(detail))) }
            batch.append(
                [
                    AuditEvent(
                        kind: "outcome", at: outcome.at, proposalID: proposalID, approvalID: view.approval?.id, actor: outcome.reportedBy,
                        data: .object(data))
                ])
            var recorded = view
            recorded.proposal.outcome = outcome
            return .recorded(recorded)
        }
    }

    // MARK: Consumption

    /// A concurrent consumer's UPDATE waits for the row lock, then finds it consumed and changes nothing.
    public func consume(approvalID: String, by: String, at: Date, audit: AuditEvent) async throws -> ConsumeResult {
        try await committer.write { batch in
            let connection = batch.connection
            let updated = try await connection.rows(
                """
                UPDATE approvals SET consumed_at = \(Millis.from(at)), consumed_by = \(by)
                WHERE id = \(approvalID) AND status = 'approved' AND consumed_at IS NULL RETURNING id
                """)
            guard let view = try await self.noting({ try await Self.approvalView(connection, id: approvalID, lock: false) }) else {
                return ConsumeResult.notFound
            }
            guard updated.count == 1 else { return view.approval.status == .approved ? .alreadyConsumed(view) : .notApproved(view) }
            batch.append([audit])
            return .consumed(view)
        }
    }

    // MARK: Audit and credentials

    public func auditEntries(after sequence: Int64, limit: Int) async throws -> [AuditEntry] {
        try await client.withConnection { connection in
            try await connection.rows(
                """
                SELECT seq, at, kind, proposal_id, approval_id, actor, data, prev_hash, hash FROM audit_log
                WHERE seq > \(sequence) ORDER BY seq LIMIT \(limit)
                """
            ).map(Self.auditEntry)
        }
    }

    public func credentials() async throws -> [StoredCredential] {
        try await client.withConnection { connection in
            try await connection.rows("SELECT role, name, hash FROM credentials ORDER BY role, name").compactMap { row in
                let (role, name, hash) = try row.decode((String, String, String).self)
                guard let role = StoredCredential.Role(rawValue: role) else { return nil }
                return StoredCredential(role: role, name: name, hash: hash)
            }
        }
    }

    public func saveCredential(_ credential: StoredCredential) async throws {
        try await client.withConnection { connection in
            try await connection.run(
                """
                INSERT INTO credentials (role, name, hash) VALUES (\(credential.role.rawValue), \(credential.name), \(credential.hash))
                ON CONFLICT (role, name) DO UPDATE SET hash = excluded.hash
                """)
        }
    }

    // MARK: Helpers

    /// Runs `body` in one transaction on a pooled connection.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.commitError ?? error.rollbackError ?? error.beginError ?? (error as any Error)
        }
    }
}

/// A store failure that is not PostgreSQL's own error.
struct PostgresStoreError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
