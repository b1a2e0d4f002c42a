import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import GRDB
import Testing

@testable import CountersignSQLite

/// The whole queue, on every engine: filtered pages in both orders, counts by agent, operation and
/// risk class, one agent's pending load, and the lookup of a retry's original.
@Suite struct QueueStoreTests {
    /// A held proposal: refunds (financial) at 0.9, anything else (high_risk_write) at 0.8.
    static func held(_ agentName: String, _ operation: String, _ index: Int, timeout: Double, key: String? = nil) -> Proposal {
        Proposal(
            idempotencyKey: key, agent: agentName, operation: operation, confidence: operation == "refund" ? 0.9 : 0.8,
            amount: operation == "refund" ? 10 : nil, subject: "\(agentName)-\(operation)-\(index)", action: "Action \(index)",
            timeoutSeconds: timeout)
    }

    /// 60 approvals of a flooding agent (40 refunds, 20 cancellations), then 3 refunds of another agent
    /// with later deadlines: the newest 50 and the earliest 50 are all the flooder's.
    static func flood(_ gateway: Gateway, clock: TestClock) async throws {
        for index in 0..<60 {
            _ = try await gateway.propose(held("flood-bot", index < 40 ? "refund" : "cancel_order", index, timeout: 600), by: .agent("flood-bot"))
            clock.advance(0.001)
        }
        for index in 0..<3 {
            _ = try await gateway.propose(held("support-bot", "refund", index, timeout: 3600), by: agent)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func thePendingQueueIsPagedWholeInDeadlineOrder(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        try await Self.flood(gateway, clock: clock)
        var seen: [ApprovalView] = []
        var cursor: DeadlineCursor?
        while true {
            let page = try await gateway.store.pendingQueue(matching: .all, after: cursor, limit: 7)
            seen += page
            guard page.count == 7, let last = page.last else { break }
            cursor = DeadlineCursor(deadline: last.approval.deadline, id: last.approval.id)
        }
        #expect(seen.count == 63)
        #expect(Set(seen.map(\.approval.id)).count == 63)
        let order = seen.map { ($0.approval.deadline, $0.approval.id) }
        #expect(zip(order, order.dropFirst()).allSatisfy { pair in pair.0.0 < pair.1.0 || (pair.0.0 == pair.1.0 && pair.0.1 < pair.1.1) })
        // The other agent's approvals are there, at the end (their deadlines are the latest).
        #expect(seen.suffix(3).allSatisfy { $0.proposal.proposal.agent == "support-bot" })
    }

    @Test(arguments: StoreKind.allCases)
    func filtersNarrowByAgentOperationAndRiskClass(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        try await Self.flood(gateway, clock: clock)
        let store = gateway.store
        let theirs = try await store.pendingQueue(matching: ApprovalFilter(agent: "support-bot"), after: nil, limit: 50)
        #expect(theirs.map(\.proposal.proposal.agent) == ["support-bot", "support-bot", "support-bot"])
        let cancels = try await store.pendingQueue(matching: ApprovalFilter(operation: "cancel_order"), after: nil, limit: 100)
        #expect(cancels.count == 20)
        let financial = try await store.pendingQueue(matching: ApprovalFilter(agent: "flood-bot", riskClass: "financial"), after: nil, limit: 100)
        #expect(financial.count == 40)
        #expect(financial.allSatisfy { $0.proposal.verdict.riskClass == "financial" && $0.proposal.proposal.agent == "flood-bot" })
        #expect(try await store.pendingQueue(matching: ApprovalFilter(agent: "nobody"), after: nil, limit: 10).isEmpty)
        // Newest first, one agent, with its status and a cursor.
        let newest = try await store.approvals(matching: ApprovalFilter(statuses: [.pending], agent: "flood-bot"), after: nil, limit: 5)
        #expect(newest.count == 5)
        #expect(newest.first?.proposal.proposal.action == "Action 59")
        let next = try #require(newest.last)
        let more = try await store.approvals(
            matching: ApprovalFilter(statuses: [.pending], agent: "flood-bot"),
            after: ApprovalCursor(createdAt: next.approval.createdAt, id: next.approval.id), limit: 100)
        #expect(more.count == 55)
        #expect(Set(more.map(\.approval.id)).isDisjoint(with: newest.map(\.approval.id)))
        // A decided one leaves the pending reads and stays in the status-less one.
        _ = try await gateway.decide(approvalID: theirs[0].approval.id, .approve, comment: nil, by: alice)
        #expect(try await store.pendingQueue(matching: ApprovalFilter(agent: "support-bot"), after: nil, limit: 50).count == 2)
        #expect(try await store.approvals(matching: ApprovalFilter(agent: "support-bot"), after: nil, limit: 50).count == 3)
        #expect(
            try await store.approvals(matching: ApprovalFilter(statuses: [.approved, .rejected], agent: "support-bot"), after: nil, limit: 50).count
                == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func countsArePerAgentOperationAndRiskClassLargestFirst(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        try await Self.flood(gateway, clock: clock)
        let store = gateway.store
        #expect(
            try await store.pendingCounts(by: .agent, matching: .all, limit: 10) == [
                QueueCount(value: "flood-bot", count: 60), QueueCount(value: "support-bot", count: 3),
            ])
        #expect(
            try await store.pendingCounts(by: .operation, matching: .all, limit: 10) == [
                QueueCount(value: "refund", count: 43), QueueCount(value: "cancel_order", count: 20),
            ])
        #expect(
            try await store.pendingCounts(by: .riskClass, matching: ApprovalFilter(agent: "flood-bot"), limit: 10) == [
                QueueCount(value: "financial", count: 40), QueueCount(value: "high_risk_write", count: 20),
            ])
        #expect(
            try await store.pendingCounts(by: .agent, matching: ApprovalFilter(operation: "refund"), limit: 1) == [
                QueueCount(value: "flood-bot", count: 40)
            ])
        let load = try await store.pendingLoad(agent: "support-bot")
        #expect(load.count == 3)
        #expect(load.earliestDeadline.map { abs($0.timeIntervalSince(clock.now.addingTimeInterval(3600))) < 0.01 } == true)
        #expect(try await store.pendingLoad(agent: "nobody") == PendingLoad(count: 0, earliestDeadline: nil))
    }

    @Test(arguments: StoreKind.allCases)
    func aRetrysOriginalIsFoundByAgentAndKey(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let first = try await gateway.propose(heldRefund("key-1"), by: agent)
        #expect(try await gateway.store.proposal(agent: "support-bot", idempotencyKey: "key-1")?.proposal.id == first.view.proposal.id)
        #expect(try await gateway.store.proposal(agent: "support-bot", idempotencyKey: "key-2") == nil)
        #expect(try await gateway.store.proposal(agent: "billing-bot", idempotencyKey: "key-1") == nil)
    }

    /// Every queue read is served by an index on SQLite: no full scan of approvals, no sort step.
    @Test func sqliteServesTheQueueReadsFromIndexes() async throws {
        let path = NSTemporaryDirectory() + "countersign-plan-\(UUID().uuidString).db"
        let store = try SQLiteStore(configuration: .init(path: path))
        try await store.migrate()
        let queue = try DatabaseQueue(path: path)
        let plans: [(String, StatementArguments, String)] = [
            (
                SQLiteStore.queueSelect(.all, statuses: [.pending], order: .deadline).0 + " ORDER BY a.deadline, a.id LIMIT 51", [],
                "approvals_pending_queue"
            ),
            (
                SQLiteStore.queueSelect(ApprovalFilter(agent: "a"), statuses: [.pending], order: .deadline).0 + " ORDER BY a.deadline, a.id LIMIT 51",
                ["a"],
                "approvals_pending_by_agent"
            ),
            (
                SQLiteStore.queueSelect(ApprovalFilter(agent: "a"), statuses: nil, order: .newest).0
                    + " ORDER BY a.created_at DESC, a.id DESC LIMIT 51", ["a"],
                "approvals_by_agent"
            ),
            (
                "SELECT a.agent AS value, COUNT(*) AS count FROM approvals a INDEXED BY approvals_pending_by_agent WHERE a.status = 'pending' GROUP BY a.agent",
                [], "approvals_pending_by_agent"
            ),
            (
                "SELECT COUNT(*), MIN(deadline) FROM approvals INDEXED BY approvals_pending_by_agent WHERE agent = ? AND status = 'pending'", ["a"],
                "approvals_pending_by_agent"
            ),
        ]
        for (sql, arguments, index) in plans {
            let plan = try await queue.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
            }
            let text = plan.joined(separator: " | ")
            #expect(text.contains(index), "\(sql): \(text)")
            // An index may be walked (SCAN … USING INDEX); the table never is.
            #expect(!plan.contains { $0.hasPrefix("SCAN") && !$0.contains("USING") }, "\(sql): \(text)")
            #expect(!text.contains("TEMP B-TREE"), "\(sql): \(text)")
        }
    }
}
