import CountersignCore
import Foundation

/// A proposal a human decided, as calibration and replay read it (`countersign calibrate --db` or
/// `--postgres`).
public struct DecidedProposal: Sendable, Hashable {
    public var approvalID: String
    public var operation: String
    /// The class the policy of the time gave the operation.
    public var riskClass: String
    public var confidence: Double
    /// `approved`, `rejected` or `taken_over` (a human took the case over: not an approval).
    public var status: ApprovalStatus
    /// `succeeded`, `failed` or `erroneous`, when reported.
    public var outcome: String?
    public var decidedAt: Date

    public init(
        approvalID: String, operation: String, riskClass: String, confidence: Double, status: ApprovalStatus, outcome: String?,
        decidedAt: Date
    ) {
        self.approvalID = approvalID
        self.operation = operation
        self.riskClass = riskClass
        self.confidence = confidence
        self.status = status
        self.outcome = outcome
        self.decidedAt = decidedAt
    }

    /// Where a page of decided proposals ends: the next page starts after it.
    public var cursor: DecidedCursor { DecidedCursor(decidedAt: decidedAt, approvalID: approvalID) }
}

/// A position in the decided proposals' order (decision time, then approval id byte by byte).
public struct DecidedCursor: Sendable, Hashable {
    public var decidedAt: Date
    public var approvalID: String

    public init(decidedAt: Date, approvalID: String) {
        self.decidedAt = decidedAt
        self.approvalID = approvalID
    }
}
