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
            try body(
                ProductionRow(
                    operation: row[0], confidence: row[1], level: Level(rawValue: row[2]) ?? .escalate,
                    policyLevel: (row[3] as String?).flatMap(Level.init(rawValue:)),
                    amount: (row[4] as String?).flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) },
                    createdAt: Millis.date(row[5]), approvalStatus: (row[6] as String?).flatMap(ApprovalStatus.init(rawValue:)),
                    decidedAt: (row[7] as Int64?).map(Millis.date), decidedBy: row[8],
                    outcome: (row[9] as String?).flatMap(Outcome.init(rawValue:))))
        }
    }
}
