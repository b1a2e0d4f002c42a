import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import Synchronization
import Testing

@testable import CountersignPostgres

/// Several gateways on one PostgreSQL schema, as replicas behind a load balancer run: decisions,
/// expiries, outbox claims and audit appends stay exactly once and one chain; changes reach the
/// other replicas' change feeds.
@Suite(.enabled(if: TestPostgres.url != nil, "needs POSTGRES_HOSTNAME, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB"))
struct PostgresReplicaTests {
    /// `count` stores on one fresh schema, migrated concurrently (as replicas that start together).
    static func replicas(_ count: Int, clock: TestClock = TestClock()) async throws -> [Gateway] {
        let url = try #require(TestPostgres.url)
        let schema = TestPostgres.freshSchema()
        let stores = try (0..<count).map { _ in
            try PostgresStore(configuration: .init(url: url, schema: schema, maximumConnections: 8, leaseTimeout: TestPostgres.leaseTimeout))
        }
        for store in stores { Task { try await store.run() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for store in stores { group.addTask { try await store.migrate() } }
            try await group.waitForAll()
        }
        return stores.map { Gateway(store: $0, configuration: .init(policy: .default), now: { clock.now }) }
    }

    @Test func replicasStartingTogetherMigrateOnce() async throws {
        let gateways = try await Self.replicas(4)
        let id = try #require(try await gateways[0].propose(heldRefund(), by: agent).view.approval?.id)
        #expect(try await gateways[3].store.approval(id: id)?.approval.status == .pending)
    }

    @Test func concurrentWritesOfOneReplicaShareTransactionsAndTwoReplicasKeepOneChain() async throws {
        let gateways = try await Self.replicas(2)
        let stores = try gateways.map { try #require($0.store as? PostgresStore) }
        let before = stores.map(\.committer.statistics)
        // 2 x 60 agents propose at once, then every approval is decided on the other replica at once.
        let ids = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<120 {
                group.addTask {
                    let view = try await gateways[index % 2].propose(heldRefund("g-\(index)", subject: "c-\(index)"), by: agent).view
                    return (index, try #require(view.approval?.id))
                }
            }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, id) in ids {
                group.addTask {
                    let approver = Principal.approver("approver-\(index)", .unlimited)
                    _ = try await gateways[(index + 1) % 2].decide(approvalID: id, .approve, comment: nil, by: approver)
                }
            }
            try await group.waitForAll()
        }
        for (store, start) in zip(stores, before) {
            let now = store.committer.statistics
            let writes = now.writes - start.writes
            let transactions = now.transactions - start.transactions
            #expect(writes == 120)
            // Concurrent writes share commits; one transaction per write would be 120.
            #expect(transactions < writes, "\(transactions) transactions for \(writes) writes")
        }
        for id in ids.values { #expect(try await gateways[0].store.approval(id: id)?.approval.status == .approved) }
        let report = try await AuditVerifier.verify(gateways[1].store)
        #expect(report.firstBreak == nil)
        #expect(report.verified == 240)
    }

    @Test func decisionsOnEveryReplicaAtOnceLetExactlyOneWin() async throws {
        let gateways = try await Self.replicas(3)
        var approvalIDs: [String] = []
        for index in 0..<20 {
            approvalIDs.append(try #require(try await gateways[index % 3].propose(heldRefund("k-\(index)"), by: agent).view.approval?.id))
        }
        let wins = Tally()
        await withTaskGroup(of: Void.self) { group in
            for id in approvalIDs {
                for (index, gateway) in gateways.enumerated() {
                    group.addTask {
                        let approver = Principal.approver("approver-\(index)", .unlimited)
                        if (try? await gateway.decide(approvalID: id, .approve, comment: nil, by: approver)) != nil {
                            wins.counts.withLock { $0[id, default: 0] += 1 }
                        }
                    }
                }
            }
        }
        #expect(wins.counts.withLock { $0 } == Dictionary(uniqueKeysWithValues: approvalIDs.map { ($0, 1) }))
        let entries = try await gateways[1].store.auditEntries(after: 0, limit: 1000)
        #expect(entries.filter { $0.event.kind == "decision" }.count == 20)
        let report = try await AuditVerifier.verify(gateways[2].store, pageSize: 7)
        #expect(report.firstBreak == nil)
        #expect(report.verified == 40)
    }

    @Test func dueApprovalsExpireExactlyOnceWhenEveryReplicaExpiresAtOnce() async throws {
        let clock = TestClock()
        let gateways = try await Self.replicas(3, clock: clock)
        for index in 0..<60 {
            _ = try await gateways[index % 3].propose(heldRefund("k-\(index)", subject: "c-\(index)", timeout: 60), by: agent)
        }
        clock.advance(61)
        let expired = try await withThrowingTaskGroup(of: Int.self) { group in
            for gateway in gateways { group.addTask { try await gateway.expireDue() } }
            return try await group.reduce(0, +)
        }
        #expect(expired == 60)
        #expect(try await gateways[0].store.pendingCount() == 0)
        let entries = try await gateways[0].store.auditEntries(after: 0, limit: 1000)
        let expiries = entries.filter { $0.event.kind == "expiry" }.compactMap(\.event.approvalID)
        #expect(expiries.count == 60)
        #expect(Set(expiries).count == 60)
        #expect(try await AuditVerifier.verify(gateways[1].store).firstBreak == nil)
    }

    @Test func outboxClaimsOfTwoReplicasNeverOverlap() async throws {
        let clock = TestClock(Date())
        let url = try #require(TestPostgres.url)
        let schema = TestPostgres.freshSchema()
        let stores = try (0..<2).map { _ in
            try PostgresStore(configuration: .init(url: url, schema: schema, maximumConnections: 8, leaseTimeout: TestPostgres.leaseTimeout))
        }
        for store in stores { Task { try await store.run() } }
        for store in stores { try await store.migrate() }
        let gateway = Gateway(
            store: stores[0],
            configuration: .init(policy: .default, webhooks: ["support-bot": WebhookTarget(url: "https://a.example/h", callbackHosts: [])]),
            now: { clock.now })
        for index in 0..<40 {
            let id = try #require(try await gateway.propose(heldRefund("k-\(index)"), by: agent).view.approval?.id)
            _ = try await gateway.decide(approvalID: id, .approve, comment: nil, by: alice)
        }
        let now = clock.now.addingTimeInterval(1)
        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for round in 0..<8 {
                group.addTask { try await stores[round % 2].claimOutbox(now: now, limit: 7, lease: 60).map(\.id) }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claims.count == 40)
        #expect(Set(claims).count == 40)
        // A replica that died mid-send: once the lease ends, another takes the same messages.
        try await stores[1].releaseOutboxClaims(now: now)
        #expect(try await stores[1].claimOutbox(now: now, limit: 100, lease: 60).isEmpty)
        let retried = try await stores[1].claimOutbox(now: now.addingTimeInterval(61), limit: 100, lease: 60)
        #expect(Set(retried.map(\.id)) == Set(claims))
        #expect(retried.allSatisfy { $0.attempts == 2 })
    }

    @Test func aChangeOnOneReplicaReachesTheOthersFeedButNotItsOwn() async throws {
        let gateways = try await Self.replicas(2)
        let feeds = try gateways.map { try #require($0.store as? any ApprovalChangeFeed) }
        let received = [ChangeLog(), ChangeLog()]
        let tasks = feeds.enumerated().map { index, feed in
            Task { try await feed.run { change in received[index].changes.withLock { $0.append(change) } } }
        }
        defer { for task in tasks { task.cancel() } }
        // Both feeds listen before anything changes.
        try await waitUntil { received.allSatisfy { $0.changes.withLock { $0.contains(.resubscribed) } } }
        let id = try #require(try await gateways[0].propose(heldRefund(), by: agent).view.approval?.id)
        _ = try await gateways[0].decide(approvalID: id, .approve, comment: nil, by: alice)
        // Created (pending, with its deadline), then decided (ended: no deadline).
        try await waitUntil { received[1].changes.withLock { $0.count == 3 } }
        let changes = received[1].changes.withLock { $0 }
        let deadline = try #require(try await gateways[1].store.approval(id: id)?.approval.deadline)
        #expect(changes == [.resubscribed, .changed(approvalID: id, deadline: deadline), .changed(approvalID: id, deadline: nil)])
        try await Task.sleep(for: .milliseconds(200))
        #expect(received[0].changes.withLock { $0 } == [.resubscribed])
    }

    @Test func aWaiterOnOneReplicaIsWokenByADecisionOnAnother() async throws {
        let gateways = try await Self.replicas(2)
        let services = gateways.map { gateway in
            Task { try await ChangeFeedService(gateway: gateway, feed: gateway.store as! any ApprovalChangeFeed).run() }
        }
        defer { for service in services { service.cancel() } }
        let id = try #require(try await gateways[0].propose(heldRefund(), by: agent).view.approval?.id)
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        async let waited = gateways[0].wait(approvalID: id, timeout: .seconds(300), by: agent)
        try await Task.sleep(for: .milliseconds(100))
        _ = try await gateways[1].decide(approvalID: id, .reject, comment: nil, by: bob)
        let view = try await waited
        #expect(view.approval.status == .rejected)
        #expect(ContinuousClock.now - started < .seconds(150), "woken by the other replica's decision, not by the end of its 300 s wait")
    }
}

/// What a change feed delivered, in order.
final class ChangeLog: Sendable {
    let changes = Mutex([ApprovalChange]())
}

/// Wins by approval id.
final class Tally: Sendable {
    let counts = Mutex([String: Int]())
}

/// Polls `condition` every 10 ms for up to 10 seconds.
func waitUntil(_ condition: @Sendable () -> Bool) async throws {
    for _ in 0..<1000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("the condition never held")
}
