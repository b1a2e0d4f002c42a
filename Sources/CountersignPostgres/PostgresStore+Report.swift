import CountersignCore
import CountersignStore
import Foundation
import PostgresNIO

/// Reading the production record for the console dashboard on PostgreSQL.
extension PostgresStore {
    public func productionRows(since: Date, limit: Int) async throws -> [ProductionRow] {
        try await client.withConnection { connection in
            try await connection.rows(
                """
                SELECT p.operation, p.confidence, p.level, p.policy_level, p.amount, p.created_at, a.status, a.decided_at, a.decided_by,
                    p.outcome
                FROM proposals p LEFT JOIN approvals a ON a.proposal_id = p.id
                WHERE p.created_at >= \(Millis.from(since)) ORDER BY p.created_at, p.id COLLATE "C" LIMIT \(limit)
                """
            ).map(Self.productionRow)
        }
    }

    static func productionRow(_ row: PostgresRow) throws -> ProductionRow {
        let (operation, confidence, level, policyLevel, amount, createdAt, status, decidedAt, decidedBy, outcome) = try row.decode(
            (String, Double, String, String?, String?, Int64, String?, Int64?, String?, String?).self)
        return ProductionRow(
            operation: operation, confidence: confidence, level: Level(rawValue: level) ?? .escalate,
            policyLevel: policyLevel.flatMap(Level.init(rawValue:)),
            amount: amount.flatMap { try? Money.parse($0).decimal }, createdAt: Millis.date(createdAt),
            approvalStatus: status.flatMap(ApprovalStatus.init(rawValue:)), decidedAt: decidedAt.map(Millis.date), decidedBy: decidedBy,
            outcome: outcome.flatMap(Outcome.init(rawValue:)))
    }
}
