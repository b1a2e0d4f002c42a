import CountersignCore
import CountersignStore
import Foundation
import GRDB

/// Reading the production record for `countersign report`.
extension SQLiteStore {
    /// One proposal with what became of it.
    public struct ProductionRow: Sendable {
        public var operation: String
        public var level: Level
        public var amount: Decimal?
        public var createdAt: Date
        /// The approval's end, when the proposal was held.
        public var approvalStatus: ApprovalStatus?
        public var decidedAt: Date?
        public var decidedBy: String?
        public var outcome: Outcome?
    }

    /// Calls `body` with every proposal created at or after `since`, oldest first, through a
    /// database cursor (constant memory). Writes nothing.
    public func forEachProductionRow(since: Date, _ body: (ProductionRow) throws -> Void) throws {
        try pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT p.operation, p.level, p.amount, p.created_at, a.status, a.decided_at, a.decided_by, p.outcome
                    FROM proposals p LEFT JOIN approvals a ON a.proposal_id = p.id
                    WHERE p.created_at >= ? ORDER BY p.created_at
                    """, arguments: [Millis.from(since)])
            while let row = try rows.next() {
                try body(
                    ProductionRow(
                        operation: row[0], level: Level(rawValue: row[1]) ?? .escalate,
                        amount: (row[2] as String?).flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) },
                        createdAt: Millis.date(row[3]), approvalStatus: (row[4] as String?).flatMap(ApprovalStatus.init(rawValue:)),
                        decidedAt: (row[5] as Int64?).map(Millis.date), decidedBy: row[6],
                        outcome: (row[7] as String?).flatMap(Outcome.init(rawValue:))))
            }
        }
    }
}
