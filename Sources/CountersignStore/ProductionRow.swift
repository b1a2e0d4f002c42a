import CountersignCore
import Foundation

/// One proposal with what became of it: what the production report and the console dashboard
/// count (volume, levels, approval waits, outcomes, shadow agreement, confidence reliability).
public struct ProductionRow: Sendable, Hashable {
    public var operation: String
    public var confidence: Double
    public var level: Level
    /// The policy's own level when the proposal was decided in shadow mode.
    public var policyLevel: Level?
    public var amount: Decimal?
    public var createdAt: Date
    /// The approval's end, when the proposal was held.
    public var approvalStatus: ApprovalStatus?
    public var decidedAt: Date?
    public var decidedBy: String?
    public var outcome: Outcome?

    public init(
        operation: String, confidence: Double, level: Level, policyLevel: Level? = nil, amount: Decimal? = nil, createdAt: Date,
        approvalStatus: ApprovalStatus? = nil, decidedAt: Date? = nil, decidedBy: String? = nil, outcome: Outcome? = nil
    ) {
        self.operation = operation
        self.confidence = confidence
        self.level = level
        self.policyLevel = policyLevel
        self.amount = amount
        self.createdAt = createdAt
        self.approvalStatus = approvalStatus
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.outcome = outcome
    }
}
