import CountersignCore
import CountersignGateway
import CountersignInsights
import CountersignStore
import Foundation
import Testing

@testable import CountersignSQLite

/// `countersign report` on a small history whose numbers are worked out by hand.
@Suite struct ProductionReportTests {
    @Test func theProductionTableOfASmallHistory() async throws {
        let clock = TestClock()
        let start = clock.now
        let gateway = try await makeGateway(.sqlite, clock: clock)
        let lookup = Proposal(agent: "support-bot", operation: "lookup_order", confidence: 0.99, action: "Look up")
        // 4 auto lookups, 1 of them reported erroneous.
        var lookups: [String] = []
        for index in 0..<4 {
            var proposal = lookup
            proposal.idempotencyKey = "l-\(index)"
            lookups.append(try await gateway.propose(proposal, by: agent).view.proposal.id)
        }
        _ = try await gateway.recordOutcome(proposalID: lookups[0], .erroneous, detail: nil, by: agent)
        _ = try await gateway.recordOutcome(proposalID: lookups[1], .succeeded, detail: nil, by: agent)
        // 3 held refunds (different subjects): decided after 60 s, 120 s, and one expires.
        var held: [(proposal: String, approval: String)] = []
        for index in 0..<3 {
            let view = try await gateway.propose(heldRefund("r-\(index)", subject: "c-\(index)", timeout: 600), by: agent).view
            held.append((view.proposal.id, try #require(view.approval?.id)))
        }
        clock.advance(60)
        _ = try await gateway.decide(approvalID: held[0].approval, .approve, comment: nil, by: alice)
        clock.advance(60)
        _ = try await gateway.decide(approvalID: held[1].approval, .reject, comment: nil, by: bob)
        clock.advance(600)
        _ = try await gateway.expireDue()
        // The approved refund was executed and turned out wrong: an erroneous money action.
        _ = try await gateway.recordOutcome(proposalID: held[0].proposal, .erroneous, detail: "wrong amount", by: agent)
        // 1 escalation: the refund of 2,400 on a 240 order.
        var big = heldRefund("big", amount: 2400, subject: "c-9")
        big.referenceAmount = 240
        _ = try await gateway.propose(big, by: agent)

        let store = try #require(gateway.store as? SQLiteStore)
        var report = ProductionReport(since: start.addingTimeInterval(-1), until: clock.now)
        try store.forEachProductionRow(since: start.addingTimeInterval(-1)) { row in
            report.add(
                operation: row.operation, level: row.level, amount: row.amount, createdAt: row.createdAt, approvalStatus: row.approvalStatus,
                decidedAt: row.decidedAt, decidedBy: row.decidedBy, outcome: row.outcome)
        }
        #expect(report.overall.proposals == 8)
        #expect(report.overall.autoCompleted == 4)
        #expect(report.overall.approvalRequired == 3)
        #expect(report.overall.escalated == 1)
        #expect(report.overall.autoCompletionRate == 0.5)
        #expect(report.overall.expired == 1)
        #expect(report.overall.waits.sorted() == [60, 120])
        #expect(report.overall.meanWait == 90)
        #expect(report.overall.medianWait == 60)
        #expect(report.overall.p95Wait == 120)
        #expect(report.overall.outcomes == 3)
        #expect(report.overall.erroneous == 2)
        #expect(report.overall.erroneousMoney == 1)
        #expect(report.operations["lookup_order"]?.erroneousRate == 0.5)
        #expect(report.operations["refund"]?.proposals == 4)
        #expect(report.approvers["alice"]?.approvals == 1)
        #expect(report.approvers["bob"]?.decisions == 1)
        #expect(report.perDay.values.reduce(0, +) == 8)
        #expect(report.rendered("csv").contains("overall,8,0.5000,0.3750,0.1250,90.0000,60.0000,120.0000,1,0.6667"))
        #expect(report.rendered("table").contains("Auto-completion rate              50.0%"))
    }

    @Test func anApproverWhoApprovesEverythingInSecondsIsFlagged() {
        var report = ProductionReport(since: Date(timeIntervalSince1970: 0), until: Date(timeIntervalSince1970: 86400))
        for index in 0..<25 {
            let created = Date(timeIntervalSince1970: Double(index * 100))
            report.add(
                operation: "refund", level: .approve, amount: 10, createdAt: created, approvalStatus: .approved,
                decidedAt: created.addingTimeInterval(3), decidedBy: "speedy", outcome: nil)
            report.add(
                operation: "refund", level: .approve, amount: 10, createdAt: created, approvalStatus: index % 3 == 0 ? .rejected : .approved,
                decidedAt: created.addingTimeInterval(240), decidedBy: "careful", outcome: nil)
        }
        #expect(report.rubberStampers() == ["speedy"])
    }
}
