import CountersignCore
import CountersignGateway
import CountersignInsights
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

@testable import CountersignSQLite

/// `countersign report` on a small history whose numbers are worked out by hand.
@Suite struct ProductionReportTests {
    @Test(arguments: StoreKind.allCases)
    func theProductionTableOfASmallHistory(kind: StoreKind) async throws {
        let clock = TestClock()
        let start = clock.now
        let gateway = try await makeGateway(kind, clock: clock)
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

        let rows = try await gateway.store.productionRows(since: start.addingTimeInterval(-1), limit: 1000)
        if let store = gateway.store as? SQLiteStore {
            // `countersign report` reads SQLite through a cursor: the same rows.
            var streamed: [ProductionRow] = []
            try store.forEachProductionRow(since: start.addingTimeInterval(-1)) { streamed.append($0) }
            #expect(streamed == rows)
        }
        var report = ProductionReport(since: start.addingTimeInterval(-1), until: clock.now)
        for row in rows { report.add(row) }
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

    /// Shadow agreement on a history worked out by hand: the policy's recorded level against what
    /// the humans decided, through the real store.
    @Test(arguments: StoreKind.allCases)
    func shadowAgreementOfASmallHistory(kind: StoreKind) async throws {
        let clock = TestClock()
        let start = clock.now
        var policy = Policy.default
        policy.shadow = ShadowMode(operations: ["refund"])
        let gateway = try await makeGateway(kind, policy: policy, clock: clock)
        func refund(_ key: String, _ confidence: Double) async throws -> String {
            var proposal = heldRefund(key, subject: "c-" + key)
            proposal.confidence = confidence
            return try #require(try await gateway.propose(proposal, by: agent).view.approval?.id)
        }
        // financial: auto 0.99, notify 0.95, approve 0.80.
        let a = try await refund("a", 0.995)  // policy auto, human approves: agree
        let b = try await refund("b", 0.995)  // policy auto, human rejects: would have executed a rejected action
        let c = try await refund("c", 0.96)  // policy notify, human takes over: likewise
        let d = try await refund("d", 0.9)  // policy approve, human approves: unnecessary hold
        let e = try await refund("e", 0.85)  // policy approve, human rejects: agree
        _ = try await refund("f", 0.995)  // expires: undecided
        _ = try await gateway.propose(Proposal(agent: "support-bot", operation: "lookup_order", confidence: 0.99, action: "Look up"), by: agent)
        clock.advance(60)
        _ = try await gateway.decide(approvalID: a, .approve, comment: nil, by: alice)
        _ = try await gateway.decide(approvalID: b, .reject, comment: nil, by: alice)
        _ = try await gateway.decide(approvalID: c, .takeOver, comment: nil, by: bob)
        _ = try await gateway.decide(approvalID: d, .approve, comment: nil, by: bob)
        _ = try await gateway.decide(approvalID: e, .reject, comment: nil, by: bob)
        clock.advance(3600)
        _ = try await gateway.expireDue()

        var report = ProductionReport(since: start.addingTimeInterval(-1), until: clock.now)
        for row in try await gateway.store.productionRows(since: start.addingTimeInterval(-1), limit: 1000) { report.add(row) }
        let shadow = report.overall.shadow
        #expect(shadow.total == 6)
        #expect(shadow.decided == 5)
        #expect(shadow.agreedThrough == 1)
        #expect(shadow.wouldHaveExecutedRejected == 2)
        #expect(shadow.unnecessaryHolds == 1)
        #expect(shadow.agreedHeld == 1)
        #expect(shadow.undecided == 1)
        #expect(shadow.agreementRate == 0.4)
        #expect(shadow.wrongThroughRate == 2.0 / 3.0)
        #expect(report.operations["refund"]?.shadow == shadow)
        #expect(report.operations["lookup_order"]?.shadow.total == 0)
        // Every held refund counts as approval-required: shadow mode holds them all.
        #expect(report.overall.approvalRequired == 6)
        #expect(report.overall.autoCompleted == 1)

        let csv = report.rendered("csv")
        #expect(
            csv.hasPrefix("scope,proposals,")
                && csv.contains(",shadow_decided,shadow_agreement_rate,shadow_through_rejected,shadow_unnecessary_holds\n"))
        #expect(csv.contains("\noperation:lookup_order,1,1.0000,") && csv.contains(",0,,0,0\noperation:refund,6,"))
        #expect(csv.hasSuffix(",5,0.4000,2,1\n"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.rendered("json").utf8)) as? [String: Any])
        let overall = try #require((json["overall"] as? [String: Any])?["shadow"] as? [String: Any])
        #expect(overall["agreement_rate"] as? Double == 0.4)
        #expect(overall["policy_through_human_rejected"] as? Int == 2)
        #expect(overall["policy_held_human_approved"] as? Int == 1)
        #expect(overall["undecided"] as? Int == 1)
        let table = report.rendered("table")
        #expect(table.contains("Shadow mode (the policy's verdict against the humans' decisions):"))
        #expect(table.contains("refund                6       5        40.0%      2                 1\n"))

        // The reliability of the decided refunds: 0.995 ✓, 0.995 ✗, 0.96 ✗, 0.9 ✓ in the top bin, 0.85 ✗ below it.
        let reliability = try #require(report.reliability["refund"])
        #expect(reliability.count == 5)
        #expect(reliability.bins[9].count == 4 && reliability.bins[9].approved == 2)
        #expect(reliability.bins[8].count == 1 && reliability.bins[8].approved == 0)
        #expect(abs(reliability.brierScore - 2.64415 / 5) < 1e-9)
        #expect(report.reliability["lookup_order"] == nil)
    }
}
