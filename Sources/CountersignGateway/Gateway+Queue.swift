import CountersignCore
import CountersignStore
import Foundation

/// The queue for approvers, whole and by subject: filtered pages in either order and counts by
/// agent, operation and risk class. Agents never see the queue.
extension Gateway {
    /// The most approvals one page holds.
    public static let maximumPage = 200

    /// Approvals matching `filter`, newest first, a page after `cursor`.
    public func approvals(
        matching filter: ApprovalFilter, after cursor: ApprovalCursor?, limit: Int, by principal: Principal
    ) async throws
        -> [ApprovalView]
    {
        try requireApprover(principal)
        return try await store.approvals(matching: filter, after: cursor, limit: Self.page(limit))
    }

    /// Pending approvals matching `filter`, earliest deadline first, a page after `cursor`.
    public func pendingQueue(
        matching filter: ApprovalFilter, after cursor: DeadlineCursor?, limit: Int, by principal: Principal
    ) async throws
        -> [ApprovalView]
    {
        try requireApprover(principal)
        return try await store.pendingQueue(matching: filter, after: cursor, limit: Self.page(limit))
    }

    /// Pending approvals matching `filter` counted by `dimension`, largest first, at most `limit` values.
    public func pendingCounts(
        by dimension: QueueDimension, matching filter: ApprovalFilter, limit: Int, by principal: Principal
    )
        async throws -> [QueueCount]
    {
        try requireApprover(principal)
        return try await store.pendingCounts(by: dimension, matching: filter, limit: min(max(limit, 1), 1000))
    }

    private func requireApprover(_ principal: Principal) throws {
        guard case .approver = principal else { throw GatewayError(.forbidden, code: .approversOnly, "only approvers see the queue") }
    }

    private static func page(_ limit: Int) -> Int { min(max(limit, 1), maximumPage + 1) }
}
