import Foundation
import GRDB

/// The schema, owned by the store and applied by `migrate()`. Constraints live here: SQLite checks
/// every status, level and outcome, and that an approval is decided exactly when it is not pending.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: proposals, approvals, audit log, credentials") { db in
            try db.execute(
                sql: """
                    CREATE TABLE proposals (
                        id TEXT PRIMARY KEY NOT NULL,
                        agent TEXT NOT NULL,
                        idempotency_key TEXT,
                        operation TEXT NOT NULL,
                        risk_class TEXT NOT NULL,
                        subject TEXT,
                        confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
                        amount TEXT,
                        level TEXT NOT NULL CHECK (level IN ('auto', 'notify', 'approve', 'escalate')),
                        base_level TEXT NOT NULL CHECK (base_level IN ('auto', 'notify', 'approve', 'escalate')),
                        reasons TEXT NOT NULL,
                        body TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        outcome TEXT CHECK (outcome IN ('succeeded', 'failed', 'erroneous')),
                        outcome_detail TEXT,
                        outcome_by TEXT,
                        outcome_at INTEGER,
                        CHECK ((outcome IS NULL) = (outcome_at IS NULL)),
                        UNIQUE (agent, idempotency_key)
                    );
                    CREATE INDEX proposals_by_subject ON proposals (subject, created_at) WHERE subject IS NOT NULL;
                    CREATE TABLE approvals (
                        id TEXT PRIMARY KEY NOT NULL,
                        proposal_id TEXT NOT NULL UNIQUE REFERENCES proposals (id),
                        agent TEXT NOT NULL,
                        subject TEXT,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'taken_over', 'expired')),
                        deadline INTEGER NOT NULL,
                        fallback TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        decided_by TEXT,
                        decided_at INTEGER,
                        comment TEXT,
                        CHECK ((status = 'pending') = (decided_at IS NULL))
                    );
                    CREATE INDEX approvals_pending_by_deadline ON approvals (deadline) WHERE status = 'pending';
                    CREATE INDEX approvals_by_creation ON approvals (created_at, id);
                    CREATE INDEX approvals_by_status ON approvals (status, created_at, id);
                    CREATE INDEX approvals_decided_by_agent_subject ON approvals (agent, subject, decided_at)
                        WHERE status IN ('approved', 'rejected', 'taken_over');
                    CREATE TABLE audit_log (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        at INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        proposal_id TEXT NOT NULL,
                        approval_id TEXT,
                        actor TEXT NOT NULL,
                        data TEXT NOT NULL,
                        prev_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE TABLE credentials (
                        role TEXT NOT NULL CHECK (role IN ('agent', 'approver')),
                        name TEXT NOT NULL,
                        hash TEXT NOT NULL,
                        PRIMARY KEY (role, name)
                    );
                    """)
        }
        migrator.registerMigration("v2: four eyes, outbox, console sessions") { db in
            try db.execute(
                sql: """
                    ALTER TABLE approvals ADD COLUMN required_approvals INTEGER NOT NULL DEFAULT 1 CHECK (required_approvals IN (1, 2));
                    ALTER TABLE approvals ADD COLUMN first_approved_by TEXT;
                    ALTER TABLE approvals ADD COLUMN first_approved_at INTEGER;
                    CREATE TABLE outbox (
                        id TEXT PRIMARY KEY NOT NULL,
                        kind TEXT NOT NULL,
                        destination TEXT NOT NULL,
                        owner TEXT NOT NULL,
                        payload TEXT NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
                        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                        next_attempt_at INTEGER NOT NULL,
                        last_error TEXT,
                        created_at INTEGER NOT NULL,
                        delivered_at INTEGER,
                        CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
                    );
                    CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
                    CREATE INDEX outbox_by_status ON outbox (status, created_at);
                    CREATE TABLE sessions (
                        token_hash TEXT PRIMARY KEY NOT NULL,
                        approver TEXT NOT NULL,
                        csrf_token TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3: approvals are used once (consume)") { db in
            try db.execute(
                sql: """
                    ALTER TABLE approvals ADD COLUMN consumed_at INTEGER CHECK (consumed_at IS NULL OR status = 'approved');
                    ALTER TABLE approvals ADD COLUMN consumed_by TEXT;
                    """)
        }
        migrator.registerMigration("v4: the policy's own level of proposals decided in shadow mode") { db in
            try db.execute(
                sql: """
                    ALTER TABLE proposals ADD COLUMN policy_level TEXT CHECK (policy_level IN ('auto', 'notify', 'approve', 'escalate'));
                    """)
        }
        migrator.registerMigration("v5: posted channel cards") { db in
            try db.execute(
                sql: """
                    CREATE TABLE channel_posts (
                        approval_id TEXT NOT NULL REFERENCES approvals (id),
                        approver TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        conversation TEXT NOT NULL,
                        message_id TEXT NOT NULL,
                        posted_at INTEGER NOT NULL,
                        PRIMARY KEY (approval_id, approver, channel)
                    );
                    CREATE INDEX channel_posts_by_approver ON channel_posts (approver, channel, posted_at);
                    CREATE INDEX proposals_by_level ON proposals (level, created_at);
                    """)
        }
        migrator.registerMigration("v6: the digest's index holds notify-level proposals only") { db in
            // Written by every proposal before; now only by those the digest lists.
            try db.execute(
                sql: """
                    DROP INDEX proposals_by_level;
                    CREATE INDEX proposals_notify_by_time ON proposals (created_at) WHERE level = 'notify';
                    """)
        }
        migrator.registerMigration("v7: CHECK constraints compare values in place") { db in
            // Only a speed-up: where SQLite refuses to edit its schema table (a defensive build),
            // the IN lists stay, and they mean the same.
            try? db.inSavepoint {
                try rewriteInListChecks(db)
                return .commit
            }
            // The same for the one partial index with an IN list (written by every insert and
            // decision of an approval). The history query names the same condition to use it.
            try db.execute(
                sql: """
                    DROP INDEX approvals_decided_by_agent_subject;
                    CREATE INDEX approvals_decided_by_agent_subject ON approvals (agent, subject, decided_at)
                        WHERE \(humanDecisionCondition);
                    """)
        }
        migrator.registerMigration("v8: SMS codes bound to approver and approval, handled inbound texts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE sms_codes (
                        approver TEXT NOT NULL,
                        code TEXT NOT NULL,
                        approval_id TEXT NOT NULL REFERENCES approvals (id),
                        held_until INTEGER NOT NULL,
                        created_at INTEGER NOT NULL,
                        PRIMARY KEY (approver, code),
                        UNIQUE (approver, approval_id)
                    );
                    CREATE TABLE sms_inbound (
                        message_id TEXT PRIMARY KEY NOT NULL,
                        received_at INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v9: the queue read whole, by agent, and each agent's pending load") { db in
            // The console pages through pending approvals in deadline order (id breaks ties), and
            // counts and filters them by agent; quotas count one agent's pending approvals at every
            // proposal; the API lists one agent's approvals newest first. The deadline-only index
            // is replaced by the (deadline, id) one, which serves the deadline timer as well.
            try db.execute(
                sql: """
                    DROP INDEX approvals_pending_by_deadline;
                    CREATE INDEX approvals_pending_queue ON approvals (deadline, id) WHERE status = 'pending';
                    CREATE INDEX approvals_pending_by_agent ON approvals (agent, deadline, id) WHERE status = 'pending';
                    CREATE INDEX approvals_by_agent ON approvals (agent, created_at, id);
                    """)
        }
        return migrator
    }

    /// Approvals a human decided, as the partial index `approvals_decided_by_agent_subject` states
    /// it: a query must name it the same way for SQLite to use that index.
    static let humanDecisionCondition = "(status = 'approved' OR status = 'rejected' OR status = 'taken_over')"

    /// SQLite checks `CHECK (x IN ('a', 'b', 'c'))` (three values or more) by building a temporary
    /// B-tree of the list, on every insert and update: four of them per proposal. The equivalent
    /// `CHECK (x = 'a' OR x = 'b' OR x = 'c')` (the same answer, NULL included) compares in place.
    /// The constraints are rewritten in the stored schema, SQLite's documented procedure for
    /// changes that leave the stored rows as they are (https://sqlite.org/lang_altertable.html,
    /// "otherchanges"): no table is copied, however large. Runs inside the migration's
    /// transaction; v7 wraps it in a savepoint, so a failure leaves the schema as it was.
    static func rewriteInListChecks(_ db: Database) throws {
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        let tables = try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%CHECK (% IN (%'")
        guard !tables.isEmpty else { return }
        try db.execute(sql: "PRAGMA writable_schema = ON")
        defer { try? db.execute(sql: "PRAGMA writable_schema = OFF") }  // also when an edit fails
        for table in tables {
            let name: String = table["name"]
            let rewritten = checksWithoutInLists(table["sql"])
            try db.execute(sql: "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?", arguments: [rewritten, name])
        }
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        // The new schema is parsed here: a malformed statement fails the migration.
        _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_schema")
    }

    /// `CHECK (column IN (v1, v2, ...))` becomes `CHECK (column = v1 OR column = v2 OR ...)`; the
    /// values are SQL literals without commas or parentheses (quoted names and small integers).
    static func checksWithoutInLists(_ sql: String) -> String {
        let pattern = /CHECK \((\w+) IN \(([^()]*)\)\)/
        return sql.replacing(pattern) { match in
            let column = match.output.1
            let values = match.output.2.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return "CHECK (" + values.map { "\(column) = \($0)" }.joined(separator: " OR ") + ")"
        }
    }
}
