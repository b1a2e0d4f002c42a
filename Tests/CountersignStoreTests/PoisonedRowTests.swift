import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import PostgresNIO
import Testing

@testable import CountersignPostgres
@testable import CountersignSQLite

/// Issue 15, item 1: a row that cannot be read (an amount an older version stored as NaN, a hand
/// edit) fails only that one item. Rows are poisoned directly in a real SQLite file and a real
/// PostgreSQL database, bypassing the API, and every reader is checked to serve the other rows.
@Suite struct PoisonedRowTests {
    /// Runs `sql` on the store's own database, outside the gateway.
    static func execute(_ sql: String, on store: any GatewayStore) async throws { try await executeRawSQL(sql, on: store) }

    /// Stores a held refund the way an older version did: its body and audit entry say `"amount":NaN`
    /// (the audit entry's hash covers that text, as it did then).
    static func poisonedApproval(_ gateway: Gateway, at now: Date, timeout: TimeInterval) async throws -> ApprovalView {
        let proposal = heldRefund(subject: "customer-poisoned", timeout: timeout)
        let verdict = gateway.engine.decide(proposal)
        let record = ProposalRecord(id: "poisoned-proposal", proposal: proposal, verdict: verdict, createdAt: now)
        let approval = ApprovalRecord(
            id: "poisoned-approval", proposalID: record.id, status: .pending, deadline: now.addingTimeInterval(timeout), fallback: "wait",
            createdAt: now)
        let audit = AuditEvent(
            kind: "proposal", at: now, proposalID: record.id, approvalID: approval.id, actor: "support-bot",
            data: .object([JSONMember("amount", .number("NaN")), JSONMember("level", .string("approve"))]))
        _ = try await gateway.store.propose(agent: "support-bot", idempotencyKey: nil, history: nil) { _ in
            PreparedProposal(proposal: record, approval: approval, audit: [audit])
        }
        try await execute(
            "UPDATE proposals SET body = replace(body, '\"amount\":120', '\"amount\":NaN'), amount = 'NaN' WHERE id = 'poisoned-proposal'",
            on: gateway.store)
        return ApprovalView(approval: approval, proposal: record)
    }

    @Test(arguments: StoreKind.allCases)
    func aProposalStoredAsNaNFailsAloneAndEveryReaderServesTheOthers(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        let first = try #require(try await gateway.propose(heldRefund(subject: "a", timeout: 60), by: agent).view.approval)
        clock.advance(1)
        let poisoned = try await Self.poisonedApproval(gateway, at: clock.now, timeout: 60)
        clock.advance(1)
        let last = try #require(try await gateway.propose(heldRefund(subject: "c", timeout: 60), by: agent).view.approval)

        // Reading or deciding the poisoned one is its own clear error, naming it.
        let read = await #expect(throws: UnreadableRecord.self) { try await gateway.store.approval(id: poisoned.approval.id) }
        #expect(read?.kind == .proposal)
        #expect(read?.approvalID == poisoned.approval.id)
        #expect(read?.description.contains("NaN") == false)
        await #expect(throws: UnreadableRecord.self) { try await gateway.store.proposal(id: poisoned.proposal.id) }
        await #expect(throws: UnreadableRecord.self) { try await gateway.decide(approvalID: poisoned.approval.id, .approve, comment: nil, by: alice) }
        await #expect(throws: UnreadableRecord.self) {
            try await gateway.recordOutcome(proposalID: poisoned.proposal.id, .succeeded, detail: nil, by: agent)
        }

        // The others are read and decided.
        #expect(try await gateway.store.approval(id: first.id)?.approval.status == .pending)
        #expect(try await gateway.decide(approvalID: first.id, .approve, comment: nil, by: alice).approval.status == .approved)

        // The queue leaves it out, whole or a page at a time (a page is filled from the rows after it).
        let pending = try await gateway.approvals(status: .pending, after: nil, limit: 10, by: alice)
        #expect(pending.map(\.approval.id) == [last.id])
        let everything = try await gateway.approvals(status: nil, after: nil, limit: 10, by: alice)
        #expect(everything.map(\.approval.id) == [last.id, first.id])
        let page1 = try await gateway.approvals(status: nil, after: nil, limit: 1, by: alice)
        #expect(page1.map(\.approval.id) == [last.id])
        let cursor = ApprovalCursor(createdAt: page1[0].approval.createdAt, id: page1[0].approval.id)
        let page2 = try await gateway.approvals(status: nil, after: cursor, limit: 1, by: alice)
        #expect(page2.map(\.approval.id) == [first.id])

        // The deadline timer passes over it: the others expire, and its deadline never wakes it again.
        clock.advance(120)
        #expect(try await gateway.expireDue() == 1)
        #expect(try await gateway.store.approval(id: last.id)?.approval.status == .expired)
        #expect(try await gateway.store.nextDeadline() == nil)
        #expect(try await gateway.expireDue() == 0)
        // Logged once.
        let logged = gateway.store.unreadableRecords.takeUnlogged()
        #expect(logged.filter { $0.approvalID == poisoned.approval.id }.count == 1)
        _ = try? await gateway.store.approval(id: poisoned.approval.id)
        #expect(gateway.store.unreadableRecords.takeUnlogged().isEmpty)

        // The audit chain is intact: the entry with NaN is unreadable, not tampered.
        let report = try await AuditVerifier.verify(gateway.store)
        #expect(report.firstBreak == nil)
        #expect(report.unreadableCount == 1)
        let entries = try await gateway.store.auditEntries(after: 0, limit: 100)
        let unreadable = try #require(entries.first { !$0.isDataReadable })
        #expect(report.unreadable == [unreadable.sequence])
        #expect(unreadable.event.proposalID == poisoned.proposal.id)
    }

    @Test(arguments: StoreKind.allCases)
    func anAmountAtTheLimitIsStoredHashedAndVerifiedExactly(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let largest = Money.maximum
        let proposal = heldRefund(amount: largest.decimal)
        let approval = try #require(try await gateway.propose(proposal, by: agent).view.approval)
        let stored = try #require(try await gateway.store.approval(id: approval.id))
        #expect(stored.proposal.proposal.money == largest)
        #expect(stored.proposal.proposal == proposal)
        let entries = try await gateway.store.auditEntries(after: 0, limit: 10)
        let data = try #require(entries.first?.storedData)
        #expect(String(decoding: data, as: UTF8.self).contains("\"amount\":999999999999999999.999999999999999999"))
        #expect(entries.first?.event.data["amount"] == .number("999999999999999999.999999999999999999"))
        let report = try await AuditVerifier.verify(gateway.store)
        #expect(report.firstBreak == nil)
        #expect(report.verified == 1)
        #expect(report.unreadableCount == 0)
        // A hand edit of that amount is still found.
        try await Self.execute(
            "UPDATE audit_log SET data = replace(data, '999999999999999999.999999999999999999', '1') WHERE seq = 1", on: gateway.store)
        #expect(try await AuditVerifier.verify(gateway.store).firstBreak?.sequence == 1)
    }

    /// SQLite keeps any value in any column: a hand edit can put text where a time belongs. That
    /// used to stop the process (a failed conversion is fatal in the row accessors); now it is that
    /// row's error.
    @Test func aSQLiteColumnOfTheWrongTypeFailsOnlyItsRow() async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(.sqlite, clock: clock)
        let good = try #require(try await gateway.propose(heldRefund(subject: "a", timeout: 60), by: agent).view.approval)
        clock.advance(1)
        let bad = try #require(try await gateway.propose(heldRefund(subject: "b", timeout: 60), by: agent).view.approval)
        try await Self.execute("UPDATE approvals SET created_at = 'yesterday', fallback = 42 WHERE id = '\(bad.id)'", on: gateway.store)
        let error = await #expect(throws: UnreadableRecord.self) { try await gateway.store.approval(id: bad.id) }
        #expect(error?.kind == .approval)
        #expect(error?.description.contains("yesterday") == false)
        #expect(try await gateway.approvals(status: .pending, after: nil, limit: 10, by: alice).map(\.approval.id) == [good.id])
        clock.advance(120)
        #expect(try await gateway.expireDue() == 1)
        #expect(try await gateway.store.nextDeadline() == nil)

        // An outbox row the same way: declared dead, the others still claimed.
        let now = clock.now
        let messages = (0..<2).map { index in
            OutboxMessage(
                id: "m-\(index)", kind: "webhook", destination: "https://example.com", owner: "support-bot", payload: "{}", nextAttemptAt: now,
                createdAt: now)
        }
        try await gateway.store.enqueueOutbox(messages)
        try await Self.execute("UPDATE outbox SET attempts = 'many' WHERE id = 'm-0'", on: gateway.store)
        #expect(try await gateway.store.claimOutbox(now: now, limit: 10, lease: 60).map(\.id) == ["m-1"])
        #expect(try await gateway.store.claimOutbox(now: now.addingTimeInterval(120), limit: 10, lease: 60).map(\.id) == ["m-1"])
        #expect(try await gateway.store.nextOutboxAttempt() == now.addingTimeInterval(180))
    }
}
