import CountersignCore
import CountersignStore
import Foundation
import PostgresNIO

/// Reading past human decisions on PostgreSQL (`countersign calibrate --postgres`), in the same
/// order as SQLite: ids compare byte by byte (`COLLATE "C"`).
extension PostgresStore {
    public func decidedProposals(after cursor: DecidedCursor?, limit: Int) async throws -> [DecidedProposal] {
        let at = cursor.map { Millis.from($0.decidedAt) }
        let id = cursor?.approvalID
        return try await client.withConnection { connection in
            try await connection.rows(
                """
                SELECT a.id, p.operation, p.risk_class, p.confidence, a.status, p.outcome, a.decided_at
                FROM approvals a JOIN proposals p ON p.id = a.proposal_id
                WHERE a.status IN ('approved', 'rejected', 'taken_over')
                AND (\(at)::bigint IS NULL OR a.decided_at > \(at) OR (a.decided_at = \(at) AND a.id COLLATE "C" > \(id)))
                ORDER BY a.decided_at, a.id COLLATE "C" LIMIT \(limit)
                """
            ).map { row in
                let (approvalID, operation, riskClass, confidence, status, outcome, decidedAt) = try row.decode(
                    (String, String, String, Double, String, String?, Int64).self)
                return DecidedProposal(
                    approvalID: approvalID, operation: operation, riskClass: riskClass, confidence: confidence,
                    status: ApprovalStatus(rawValue: status) ?? .rejected, outcome: outcome, decidedAt: Millis.date(decidedAt))
            }
        }
    }
}
