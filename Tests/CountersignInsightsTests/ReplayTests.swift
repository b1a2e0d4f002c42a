import CountersignConfig
import CountersignCore
import CountersignInsights
import Foundation
import Testing

/// Replay numbers on small histories computed by hand.
@Suite struct ReplayTests {
    func ints(_ values: Int...) -> [Int] { values }

    static func replay(_ text: String, candidate: Policy, baseline: Policy = .default) throws -> ReplayReport {
        try HistoryReaderTests.withReader(text) { reader in
            var replayer = Replayer(candidate: candidate, baseline: baseline)
            try replayer.run(&reader)
            var report = replayer.report
            report.badRows = reader.badRows
            return report
        }
    }

    /// Six refunds and two lookups. Default policy: refund is financial (auto 0.99, notify 0.95,
    /// approve 0.80), lookup_order read_only (auto 0.60). The candidate lowers refund to
    /// auto 0.90 / notify 0.85 / approve 0.50.
    ///
    ///  row  op      conf  approved outcome     default   candidate
    ///  1    refund  0.995 true               auto      auto
    ///  2    refund  0.97  true     erroneous notify    auto    (executed, erroneous outcome)
    ///  3    refund  0.92  false              approve   auto    (executed, humans rejected)
    ///  4    refund  0.87  true               approve   notify
    ///  5    refund  0.60  false              escalate  approve
    ///  6    refund  0.99  -                  auto      auto    (no human decision)
    ///  7    lookup  0.70  true               auto      auto
    ///  8    lookup  0.10  false              escalate  escalate
    static let history = """
        {"agent":"bot","operation":"refund","confidence":0.995,"action":"r1","approved":true}
        {"agent":"bot","operation":"refund","confidence":0.97,"action":"r2","approved":true,"outcome":"erroneous"}
        {"agent":"bot","operation":"refund","confidence":0.92,"action":"r3","approved":false}
        {"agent":"bot","operation":"refund","confidence":0.87,"action":"r4","approved":true}
        {"agent":"bot","operation":"refund","confidence":0.60,"action":"r5","approved":false}
        {"agent":"bot","operation":"refund","confidence":0.99,"action":"r6"}
        {"agent":"bot","operation":"lookup_order","confidence":0.70,"action":"l1","approved":true}
        {"agent":"bot","operation":"lookup_order","confidence":0.10,"action":"l2","approved":false}
        {"agent":"bot","operation":"refund","confidence":2,"action":"bad"}
        """

    @Test func countsPerOperationAndOverallAgainstTheBaseline() throws {
        let candidate = try PolicyFile.parse(yaml: "operations:\n  refund: {class: financial, auto: 0.90, notify: 0.85, approve: 0.50}\n")
        let report = try Self.replay(Self.history, candidate: candidate)
        #expect(report.badRows == 1)
        let refund = try #require(report.candidateByOperation["refund"])
        #expect(ints(refund.proposals, refund.auto, refund.notify, refund.approve, refund.escalate) == [6, 4, 1, 1, 0])
        #expect(refund.erroneousExecutions == 2)
        #expect(refund.executedRejected == 1)
        #expect(refund.executedErroneousOutcome == 1)
        #expect(refund.humanLoad == 1)
        #expect(refund.heldButApproved == 0)
        #expect(refund.unlabelled == 1)
        let before = try #require(report.baselineByOperation["refund"])
        #expect(ints(before.auto, before.notify, before.approve, before.escalate) == [2, 1, 2, 1])
        #expect(before.erroneousExecutions == 1)
        #expect(before.humanLoad == 3)
        #expect(before.heldButApproved == 1)
        #expect(ints(report.candidate.proposals, report.candidate.auto, report.candidate.escalate) == [8, 5, 1])
        #expect(report.candidate.erroneousExecutions == 2)
        let difference = report.candidate.subtracting(report.baseline)
        #expect(ints(difference.auto, difference.notify, difference.approve, difference.escalate) == [2, 0, -1, -1])
        #expect(difference.erroneousExecutions == 1)
        #expect(difference.humanLoad == -2)
    }

    @Test func humanRejectionsFeedTheConsecutiveRejectionsRule() throws {
        // Default policy: two rejected approvals in a row for the same agent and subject escalate the third.
        let rows = (1...3).map {
            #"{"agent":"bot","operation":"cancel_order","confidence":0.9,"subject":"c-9","action":"c\#($0)","approved":false,"at":"2026-11-24T10:0\#($0):00Z"}"#
        }
        let report = try Self.replay(rows.joined(separator: "\n"), candidate: .default)
        // 0.9 is notify for high_risk_write: executed, never held, so no decision feeds the rule.
        #expect(report.candidate.notify == 3)
        let held = try Self.replay(rows.joined(separator: "\n").replacingOccurrences(of: "0.9", with: "0.8"), candidate: .default)
        // 0.8 is approve: the first two are held and rejected, the third escalates.
        #expect(held.candidate.approve == 2)
        #expect(held.candidate.escalate == 1)
    }
}
