import CSQLiteTuning
import Foundation
import GRDB
import Testing

@testable import CountersignSQLite

/// Migration v7 rewrites `CHECK (x IN (...))` as `CHECK (x = ... OR ...)` in the stored schema:
/// the same constraints, checked without a temporary B-tree per insert.
@Suite struct SQLiteCheckRewriteTests {
    @Test(arguments: [
        (
            "level TEXT NOT NULL CHECK (level IN ('auto', 'notify', 'approve', 'escalate')),",
            "level TEXT NOT NULL CHECK (level = 'auto' OR level = 'notify' OR level = 'approve' OR level = 'escalate'),"
        ),
        ("n INTEGER CHECK (n IN (1, 2))", "n INTEGER CHECK (n = 1 OR n = 2)"),
        ("CHECK ((status = 'pending') = (decided_at IS NULL))", "CHECK ((status = 'pending') = (decided_at IS NULL))"),
        ("a TEXT CHECK (a IN ('x')), b TEXT CHECK (b IN ('y', 'z'))", "a TEXT CHECK (a = 'x'), b TEXT CHECK (b = 'y' OR b = 'z')"),
    ])
    func inListsBecomeComparisons(sql: String, expected: String) {
        #expect(SQLiteSchema.checksWithoutInLists(sql) == expected)
    }

    /// A database at v6 with rows in it: after v7 the rows are intact, the file checks out, no
    /// table keeps an IN-list CHECK, and the constraints still refuse what they refused.
    @Test func aDatabaseWithRowsUpgradesAndStillRefusesBadValues() throws {
        let queue = try DatabaseQueue(path: NSTemporaryDirectory() + "countersign-v7-\(UUID().uuidString).db")
        try SQLiteSchema.migrator.migrate(queue, upTo: "v6: the digest's index holds notify-level proposals only")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO proposals (id, agent, operation, risk_class, confidence, level, base_level, reasons, body, created_at)
                    VALUES ('p1', 'bot', 'refund', 'financial', 0.5, 'approve', 'approve', '[]', '{}', 1)
                    """)
            try db.execute(
                sql: """
                    INSERT INTO approvals (id, proposal_id, agent, status, deadline, fallback, created_at)
                    VALUES ('a1', 'p1', 'bot', 'pending', 2, 'reject', 1)
                    """)
        }
        try SQLiteSchema.migrator.migrate(queue)
        try queue.read { db in
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
            #expect(try String.fetchOne(db, sql: "SELECT level FROM proposals WHERE id = 'p1'") == "approve")
            #expect(try String.fetchOne(db, sql: "SELECT status FROM approvals WHERE id = 'a1'") == "pending")
            let inListChecks = try String.fetchAll(db, sql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%CHECK (% IN (%'")
            #expect(inListChecks.isEmpty)
            // The history query still finds the rebuilt partial index of decided approvals.
            let plan = try Row.fetchAll(
                db,
                sql: """
                    EXPLAIN QUERY PLAN SELECT status FROM approvals WHERE agent = 'bot' AND subject = 's'
                    AND \(SQLiteSchema.humanDecisionCondition) ORDER BY decided_at DESC LIMIT 3
                    """
            ).map { $0["detail"] as String }.joined(separator: "; ")
            #expect(plan.contains("approvals_decided_by_agent_subject"), "\(plan)")
        }
        let refused: [String] = [
            "UPDATE proposals SET level = 'bogus' WHERE id = 'p1'",
            "UPDATE proposals SET base_level = 'Auto' WHERE id = 'p1'",
            "UPDATE proposals SET outcome = 'maybe', outcome_at = 3 WHERE id = 'p1'",
            "UPDATE proposals SET policy_level = '' WHERE id = 'p1'",
            "UPDATE approvals SET status = 'lost', decided_at = 3 WHERE id = 'a1'",
            "UPDATE approvals SET required_approvals = 3 WHERE id = 'a1'",
            "INSERT INTO credentials (role, name, hash) VALUES ('admin', 'x', 'h')",
        ]
        for sql in refused {
            let error = #expect(throws: DatabaseError.self, "\(sql)") {
                try queue.write { db in try db.execute(sql: sql) }
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK, "\(sql): \(String(describing: error))")
        }
        // NULL passes as it did: outcome and policy_level are optional.
        try queue.write { db in
            try db.execute(sql: "UPDATE proposals SET outcome = 'succeeded', outcome_at = 3, policy_level = NULL WHERE id = 'p1'")
        }
    }

    /// A SQLite build that refuses schema edits (SQLITE_DBCONFIG_DEFENSIVE) still migrates: the
    /// rewrite is skipped, the IN lists stay and still refuse bad values.
    @Test func aDefensiveConnectionMigratesAndKeepsItsInLists() throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            guard countersign_sqlite_set_defensive(db.sqliteConnection, 1) == 0 else { throw DatabaseError(message: "no defensive mode") }
        }
        let queue = try DatabaseQueue(path: NSTemporaryDirectory() + "countersign-defensive-\(UUID().uuidString).db", configuration: configuration)
        try SQLiteSchema.migrator.migrate(queue)
        try queue.read { db in
            #expect(try SQLiteSchema.migrator.hasCompletedMigrations(db))
            let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE name = 'proposals'") ?? ""
            #expect(sql.contains("CHECK (level IN ('auto', 'notify', 'approve', 'escalate'))"))
            #expect(try String.fetchAll(db, sql: "PRAGMA integrity_check") == ["ok"])
        }
        let error = #expect(throws: DatabaseError.self) {
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO proposals (id, agent, operation, risk_class, confidence, level, base_level, reasons, body, created_at)
                        VALUES ('p1', 'bot', 'refund', 'financial', 0.5, 'bogus', 'approve', '[]', '{}', 1)
                        """)
            }
        }
        #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
    }
}
