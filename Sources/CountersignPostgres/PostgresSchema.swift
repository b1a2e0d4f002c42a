/// The schema on PostgreSQL, as a list of migrations applied in order by `migrate()`, each once.
/// Mirrors `SQLiteSchema` (same tables, columns and checks; times are integer milliseconds), plus
/// the audit chain's head row that serialises appends across replicas. One statement per entry:
/// the extended query protocol runs one statement at a time.
///
/// To extend: append a migration with a new name; never edit one that has shipped.
enum PostgresSchema {
    struct Migration: Sendable {
        var name: String
        var statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(
            name: "v1: proposals, approvals, audit log, credentials",
            statements: [
                """
                CREATE TABLE proposals (
                    id TEXT PRIMARY KEY,
                    agent TEXT NOT NULL,
                    idempotency_key TEXT,
                    operation TEXT NOT NULL,
                    risk_class TEXT NOT NULL,
                    subject TEXT,
                    confidence DOUBLE PRECISION NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
                    amount TEXT,
                    level TEXT NOT NULL CHECK (level IN ('auto', 'notify', 'approve', 'escalate')),
                    base_level TEXT NOT NULL CHECK (base_level IN ('auto', 'notify', 'approve', 'escalate')),
                    reasons TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    outcome TEXT CHECK (outcome IN ('succeeded', 'failed', 'erroneous')),
                    outcome_detail TEXT,
                    outcome_by TEXT,
                    outcome_at BIGINT,
                    CHECK ((outcome IS NULL) = (outcome_at IS NULL)),
                    UNIQUE (agent, idempotency_key)
                )
                """,
                "CREATE INDEX proposals_by_subject ON proposals (subject, created_at) WHERE subject IS NOT NULL",
                """
                CREATE TABLE approvals (
                    id TEXT PRIMARY KEY,
                    proposal_id TEXT NOT NULL UNIQUE REFERENCES proposals (id),
                    agent TEXT NOT NULL,
                    subject TEXT,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'taken_over', 'expired')),
                    deadline BIGINT NOT NULL,
                    fallback TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    decided_by TEXT,
                    decided_at BIGINT,
                    comment TEXT,
                    CHECK ((status = 'pending') = (decided_at IS NULL))
                )
                """,
                "CREATE INDEX approvals_pending_by_deadline ON approvals (deadline) WHERE status = 'pending'",
                "CREATE INDEX approvals_by_creation ON approvals (created_at, id)",
                "CREATE INDEX approvals_by_status ON approvals (status, created_at, id)",
                """
                CREATE INDEX approvals_decided_by_agent_subject ON approvals (agent, subject, decided_at)
                    WHERE status IN ('approved', 'rejected', 'taken_over')
                """,
                """
                CREATE TABLE audit_log (
                    seq BIGINT PRIMARY KEY,
                    at BIGINT NOT NULL,
                    kind TEXT NOT NULL,
                    proposal_id TEXT NOT NULL,
                    approval_id TEXT,
                    actor TEXT NOT NULL,
                    data TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                )
                """,
                // One row: the last entry's sequence number and hash. Appending locks it (FOR UPDATE)
                // until commit, so replicas append one after another and the chain stays one chain.
                """
                CREATE TABLE audit_head (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    seq BIGINT NOT NULL,
                    hash TEXT NOT NULL
                )
                """,
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\(String(repeating: "0", count: 64))')",
                """
                CREATE TABLE credentials (
                    role TEXT NOT NULL CHECK (role IN ('agent', 'approver')),
                    name TEXT NOT NULL,
                    hash TEXT NOT NULL,
                    PRIMARY KEY (role, name)
                )
                """,
            ]),
        Migration(
            name: "v2: four eyes, outbox, console sessions",
            statements: [
                "ALTER TABLE approvals ADD COLUMN required_approvals INTEGER NOT NULL DEFAULT 1 CHECK (required_approvals IN (1, 2))",
                "ALTER TABLE approvals ADD COLUMN first_approved_by TEXT",
                "ALTER TABLE approvals ADD COLUMN first_approved_at BIGINT",
                """
                CREATE TABLE outbox (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    destination TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    next_attempt_at BIGINT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    delivered_at BIGINT,
                    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
                )
                """,
                "CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending'",
                "CREATE INDEX outbox_by_status ON outbox (status, created_at)",
                """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY,
                    approver TEXT NOT NULL,
                    csrf_token TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
            ]),
        Migration(
            name: "v3: approvals are used once (consume)",
            statements: [
                "ALTER TABLE approvals ADD COLUMN consumed_at BIGINT",
                "ALTER TABLE approvals ADD COLUMN consumed_by TEXT",
                "ALTER TABLE approvals ADD CONSTRAINT approvals_consumed_only_approved CHECK (consumed_at IS NULL OR status = 'approved')",
            ]),
        Migration(
            name: "v4: the policy's own level of proposals decided in shadow mode",
            statements: [
                "ALTER TABLE proposals ADD COLUMN policy_level TEXT CHECK (policy_level IN ('auto', 'notify', 'approve', 'escalate'))"
            ]),
        Migration(
            name: "v5: posted channel cards",
            statements: [
                """
                CREATE TABLE channel_posts (
                    approval_id TEXT NOT NULL REFERENCES approvals (id),
                    approver TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    conversation TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    posted_at BIGINT NOT NULL,
                    PRIMARY KEY (approval_id, approver, channel)
                )
                """,
                "CREATE INDEX channel_posts_by_approver ON channel_posts (approver, channel, posted_at)",
                "CREATE INDEX proposals_by_level ON proposals (level, created_at)",
            ]),
        Migration(
            name: "v6: the digest's index holds notify-level proposals only",
            statements: [
                "DROP INDEX proposals_by_level",
                "CREATE INDEX proposals_notify_by_time ON proposals (created_at) WHERE level = 'notify'",
            ]),
        Migration(
            name: "v8: SMS codes bound to approver and approval, handled inbound texts",
            statements: [
                """
                CREATE TABLE sms_codes (
                    approver TEXT NOT NULL,
                    code TEXT NOT NULL,
                    approval_id TEXT NOT NULL REFERENCES approvals (id),
                    held_until BIGINT NOT NULL,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (approver, code),
                    UNIQUE (approver, approval_id)
                )
                """,
                """
                CREATE TABLE sms_inbound (
                    message_id TEXT PRIMARY KEY,
                    received_at BIGINT NOT NULL
                )
                """,
            ]),
        // After the migrations of the same round (they come first): the console pages the pending
        // queue in deadline order and counts and filters it by agent, quotas count one agent's
        // pending approvals at every proposal, and the API lists one agent's approvals. The
        // (deadline, id) index replaces the deadline-only one; ids sort byte by byte, as queries do.
        Migration(
            name: "v9: the queue read whole, by agent, and each agent's pending load",
            statements: [
                "DROP INDEX approvals_pending_by_deadline",
                "CREATE INDEX approvals_pending_queue ON approvals (deadline, id COLLATE \"C\") WHERE status = 'pending'",
                "CREATE INDEX approvals_pending_by_agent ON approvals (agent, deadline, id COLLATE \"C\") WHERE status = 'pending'",
                "CREATE INDEX approvals_by_agent ON approvals (agent, created_at, id COLLATE \"C\")",
            ]),
    ]
}
