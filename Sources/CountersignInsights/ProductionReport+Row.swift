import CountersignCore
import CountersignStore

extension ProductionReport {
    /// Counts one proposal as a store reads it.
    public mutating func add(_ row: ProductionRow) {
        add(
            operation: row.operation, level: row.level, policyLevel: row.policyLevel, confidence: row.confidence, amount: row.amount,
            createdAt: row.createdAt, approvalStatus: row.approvalStatus, decidedAt: row.decidedAt, decidedBy: row.decidedBy,
            outcome: row.outcome)
    }
}
