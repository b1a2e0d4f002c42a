import CountersignCore
import CountersignStore
import Foundation
import GRDB

/// Reading past human decisions for the offline learning loop (`countersign calibrate --db`).
extension SQLiteStore {
    /// A proposal a human decided, as calibration and replay read it.
    public struct DecidedProposal: Sendable {
        public var operation: String
        /// The class the policy of the time gave the operation.
        public var riskClass: String
        public var confidence: Double
        /// `approved`, `rejected` or `taken_over` (a human took the case over: not an approval).
        public var status: ApprovalStatus
        /// `succeeded`, `failed` or `erroneous`, when reported.
        public var outcome: String?
        public var decidedAt: Date
    }

    /// Calls `body` with every decided approval's proposal, oldest decision first, in one read
    /// transaction and constant memory (a database cursor). Pending and expired approvals carry no
    /// human judgement and are left out. Writes nothing.
    public func forEachDecidedProposal(_ body: (DecidedProposal) throws -> Void) throws {
        try pool.read { db in
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT p.operation, p.risk_class, p.confidence, a.status, p.outcome, a.decided_at
                        FROM approvals a JOIN proposals p ON p.id = a.proposal_id
                        WHERE a.status IN ('approved', 'rejected', 'taken_over')
                        ORDER BY a.decided_at, a.id
                        """))
            while let row = try rows.next() {
                try body(
                    DecidedProposal(
                        operation: row[0], riskClass: row[1], confidence: row[2], status: ApprovalStatus(rawValue: row[3]) ?? .rejected,
                        outcome: row[4], decidedAt: Millis.date(row[5])))
            }
        }
    }
}
