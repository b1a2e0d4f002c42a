import CountersignCore
import CountersignStore
import Foundation
import GRDB

/// Reading past human decisions for the offline learning loop (`countersign calibrate --db`).
extension SQLiteStore {
    /// Calls `body` with every decided approval's proposal, oldest decision first, in one read
    /// transaction and constant memory (a database cursor). Pending and expired approvals carry no
    /// human judgement and are left out. Writes nothing.
    public func forEachDecidedProposal(_ body: (DecidedProposal) throws -> Void) throws {
        try pool.read { db in
            let rows = try Row.fetchCursor(db.cachedStatement(sql: Self.decidedSQL(after: false)), arguments: [-1])
            while let row = try rows.next() {
                if let decided = Self.decidedProposal(row) { try body(decided) }
            }
        }
    }

    /// `GatewayStore`'s whole-history read: one read transaction and a cursor.
    public func readEveryDecidedProposal(_ body: (DecidedProposal) throws -> Void) async throws {
        try forEachDecidedProposal(body)
    }

    public func decidedProposals(after cursor: DecidedCursor?, limit: Int) async throws -> [DecidedProposal] {
        try await pool.read { db in
            if let cursor {
                let at = Millis.from(cursor.decidedAt)
                return try Row.fetchAll(
                    db.cachedStatement(sql: Self.decidedSQL(after: true)), arguments: [at, at, cursor.approvalID, limit]
                ).compactMap(Self.decidedProposal)
            }
            return try Row.fetchAll(db.cachedStatement(sql: Self.decidedSQL(after: false)), arguments: [limit]).compactMap(Self.decidedProposal)
        }
    }

    /// Decided approvals in decision order; SQLite compares text byte by byte, as PostgreSQL's "C" collation does.
    private static func decidedSQL(after: Bool) -> String {
        """
        SELECT a.id, p.operation, p.risk_class, p.confidence, a.status, p.outcome, a.decided_at
        FROM approvals a JOIN proposals p ON p.id = a.proposal_id
        WHERE a.status IN ('approved', 'rejected', 'taken_over')
        \(after ? "AND (a.decided_at > ? OR (a.decided_at = ? AND a.id > ?))" : "")
        ORDER BY a.decided_at, a.id LIMIT ?
        """
    }

    /// A row with a value of the wrong type in a column is left out (it cannot be judged), never a crash.
    private static func decidedProposal(_ row: Row) -> DecidedProposal? {
        try? DecidedProposal(
            approvalID: row.decode(atIndex: 0), operation: row.decode(atIndex: 1), riskClass: row.decode(atIndex: 2),
            confidence: row.decode(atIndex: 3), status: ApprovalStatus(rawValue: row.decode(atIndex: 4)) ?? .rejected,
            outcome: row.decode(atIndex: 5), decidedAt: Millis.date(row.decode(atIndex: 6)))
    }
}
