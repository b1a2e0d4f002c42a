import CountersignCore
import CountersignGateway
import CountersignSQLite
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

/// The engine-neutral reads behind `countersign report` and `calibrate` with `--postgres`: page by
/// page, they yield every row once, in the same order on every engine.
@Suite struct HistoryReadingTests {
    @Test(arguments: StoreKind.allCases)
    func decidedProposalsComePageByPageInDecisionOrder(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        // 9 held refunds: 7 decided, several in the same millisecond (the id breaks the tie), one
        // left pending and one expired (no human judgement: not read).
        var approvals: [String] = []
        for index in 0..<9 {
            let view = try await gateway.propose(heldRefund("d-\(index)", subject: "c-\(index)", timeout: 600), by: agent).view
            approvals.append(try #require(view.approval?.id))
        }
        let decisions: [HumanDecision] = [.approve, .reject, .takeOver, .approve, .approve, .reject, .approve]
        for (index, decision) in decisions.enumerated() {
            if index % 3 == 0 { clock.advance(1) }
            _ = try await gateway.decide(approvalID: approvals[index], decision, comment: nil, by: index.isMultiple(of: 2) ? alice : bob)
        }
        _ = try await gateway.store.recordOutcome(
            proposalID: try #require(try await gateway.store.approval(id: approvals[0])?.approval.proposalID),
            OutcomeRecord(outcome: .erroneous, detail: nil, reportedBy: "support-bot", at: clock.now))
        clock.advance(700)
        _ = try await gateway.expire(approvalID: approvals[8])

        let all = try await gateway.store.decidedProposals(after: nil, limit: 100)
        #expect(all.count == 7)
        #expect(Set(all.map(\.approvalID)) == Set(approvals.prefix(7)))
        let inOrder = zip(all, all.dropFirst()).allSatisfy { earlier, later in
            earlier.decidedAt < later.decidedAt
                || (earlier.decidedAt == later.decidedAt && earlier.approvalID.utf8.lexicographicallyPrecedes(later.approvalID.utf8))
        }
        #expect(inOrder, "decision time, then approval id byte by byte")
        #expect(all.filter { $0.status == .takenOver }.count == 1 && all.filter { $0.status == .rejected }.count == 2)
        #expect(all.first { $0.approvalID == approvals[0] }?.outcome == "erroneous")
        #expect(all.allSatisfy { $0.operation == "refund" && $0.riskClass == "financial" && $0.confidence == 0.9 })
        var paged: [DecidedProposal] = []
        try await gateway.store.pageThroughDecidedProposals(pageSize: 2) { paged.append($0) }
        #expect(paged == all)
        if let store = gateway.store as? SQLiteStore {
            // `calibrate --db` reads SQLite through a cursor: the same proposals.
            var streamed: [DecidedProposal] = []
            try store.forEachDecidedProposal { streamed.append($0) }
            #expect(streamed == all)
        }
    }

    @Test(arguments: StoreKind.allCases, [1, 2, 3, 50])
    func productionRowsComePageByPageEvenWhenManyShareAMillisecond(kind: StoreKind, pageSize: Int) async throws {
        let clock = TestClock()
        let start = clock.now
        let gateway = try await makeGateway(kind, clock: clock)
        // 5 in one millisecond, then 2 in the next, then 4 more in a third.
        for (index, step) in [0, 0, 0, 0, 0, 0.001, 0, 0.001, 0, 0, 0].enumerated() {
            clock.advance(step)
            var proposal = Proposal(agent: "support-bot", operation: "lookup_order", confidence: 0.99, action: "Look up \(index)")
            proposal.idempotencyKey = "p-\(index)"
            _ = try await gateway.propose(proposal, by: agent)
        }
        let all = try await gateway.store.productionRows(since: start, limit: 1000)
        #expect(all.count == 11)
        var paged: [ProductionRow] = []
        try await gateway.store.pageThroughProductionRows(since: start, pageSize: pageSize) { paged.append($0) }
        #expect(paged == all)
    }
}
