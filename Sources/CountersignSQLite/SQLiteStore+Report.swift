import CountersignCore
import CountersignStore
import Foundation
import GRDB

/// Reading the production record for `countersign report` and the console dashboard.
extension SQLiteStore {
    public func productionRows(since: Date, limit: Int) async throws -> [ProductionRow] {
        try await pool.read { db in
            var rows: [ProductionRow] = []
            try Self.forEachProductionRow(db, since: since, limit: limit) { rows.append($0) }
            return rows
        }
    }

    /// Calls `body` with every proposal created at or after `since`, oldest first, through a
    /// database cursor (constant memory). Writes nothing.
    public func forEachProductionRow(since: Date, _ body: (ProductionRow) throws -> Void) throws {
        try pool.read { db in try Self.forEachProductionRow(db, since: since, limit: nil, body) }
    }

    /// `GatewayStore`'s whole-record read: one read transaction and a cursor.
    public func readEveryProductionRow(since: Date, _ body: (ProductionRow) throws -> Void) async throws {
        try forEachProductionRow(since: since, body)
    }

    private static func forEachProductionRow(_ db: Database, since: Date, limit: Int?, _ body: (ProductionRow) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT p.operation, p.confidence, p.level, p.policy_level, p.amount, p.created_at, a.status, a.decided_at, a.decided_by,
                    p.outcome
                FROM proposals p LEFT JOIN approvals a ON a.proposal_id = p.id
                WHERE p.created_at >= ? ORDER BY p.created_at, p.id LIMIT ?
                """, arguments: [Millis.from(since), limit ?? -1])
        while let row = try rows.next() {
            // A row with a value of the wrong type is left out of the report, never a crash; an
            // amount that is not accepted money (an older version's NaN) counts as none.
            guard
                let production = try? ProductionRow(
                    operation: row.decode(atIndex: 0), confidence: row.decode(atIndex: 1),
                    level: Level(rawValue: row.decode(atIndex: 2)) ?? .escalate,
                    policyLevel: (row.decode(atIndex: 3) as String?).flatMap(Level.init(rawValue:)),
                    amount: (row.decode(atIndex: 4) as String?).flatMap { try? Money.parse($0).decimal },
                    createdAt: Millis.date(row.decode(atIndex: 5)),
                    approvalStatus: (row.decode(atIndex: 6) as String?).flatMap(ApprovalStatus.init(rawValue:)),
                    decidedAt: (row.decode(atIndex: 7) as Int64?).map(Millis.date), decidedBy: row.decode(atIndex: 8),
                    outcome: (row.decode(atIndex: 9) as String?).flatMap(Outcome.init(rawValue:)))
            else { continue }
            try body(production)
        }
    }
}
