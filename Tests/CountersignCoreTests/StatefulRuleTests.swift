import CountersignCore
import Foundation
import Testing

/// The per-subject rules, driven the way the gateway and `evaluate` drive them: ask the engine what
/// history it needs, read it from an `InMemoryDecisionHistory`, decide, record.
@Suite("Stateful rules")
struct StatefulRuleTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)

    struct Harness {
        let engine: DecisionEngine
        var history: InMemoryDecisionHistory

        init(policy: Policy = .default) {
            engine = DecisionEngine(policy: policy)
            history = InMemoryDecisionHistory(policy: policy)
        }

        /// Decides `proposal` at `t0 + seconds` and remembers it.
        mutating func submit(_ proposal: Proposal, at seconds: TimeInterval) -> Verdict {
            let now = StatefulRuleTests.t0.addingTimeInterval(seconds)
            let past = engine.historyQuery(for: proposal, now: now).map { history.history(for: $0) } ?? .empty
            let verdict = engine.decide(proposal, history: past)
            if let subject = proposal.subject {
                history.record(subject: subject, at: now, confidence: proposal.confidence, verdict: verdict)
            }
            return verdict
        }
    }

    /// read_only: 0.5 is `notify` on its own and below the streak's 0.6.
    static func low(_ confidence: Double = 0.5, subject: String = "customer-1") -> Proposal {
        makeProposal(operation: "lookup_order", confidence: confidence, subject: subject, action: "Look up the order")
    }

    /// financial at 0.9: `approve` on its own (and not low).
    static func held(subject: String = "customer-1", agent: String = "support-bot") -> Proposal {
        makeProposal(agent: agent, operation: "refund", confidence: 0.9, subject: subject, action: "Refund the order")
    }

    // MARK: The query

    @Test("the history query follows the policy's windows and counts")
    func query() throws {
        let engine = DecisionEngine(policy: .default)
        // A held proposal with ordinary confidence: the approval count and the rejections matter,
        // the low-confidence streak cannot fire, so its rows are not asked for.
        let query = try #require(engine.historyQuery(for: Self.held(), now: Self.t0))
        #expect(query.agent == "support-bot")
        #expect(query.subject == "customer-1")
        #expect(query.recentLimit == 0)
        #expect(query.approvalsSince == Self.t0.addingTimeInterval(-86400))
        #expect(query.decisionLimit == 2)
        // A low-confidence proposal: the streak's window and count are asked for.
        let low = try #require(engine.historyQuery(for: Self.low(), now: Self.t0))
        #expect(low.recentSince == Self.t0.addingTimeInterval(-3600))
        #expect(low.recentLimit == 2)
    }

    @Test("no subject, or every stateful rule off: no query")
    func noQuery() {
        #expect(DecisionEngine(policy: .default).historyQuery(for: makeProposal(subject: nil), now: Self.t0) == nil)
        var policy = Policy.default
        policy.escalation.consecutiveRejections = nil
        policy.escalation.approvalsPerSubject = nil
        policy.escalation.lowConfidenceStreak = nil
        #expect(DecisionEngine(policy: policy).historyQuery(for: Self.held(), now: Self.t0) == nil)
    }

    // MARK: Low-confidence streak

    @Test("the third low-confidence proposal within an hour escalates")
    func streakFires() throws {
        var harness = Harness()
        #expect(harness.submit(Self.low(), at: 0).level == .notify)
        #expect(harness.submit(Self.low(), at: 600).level == .notify)
        let third = harness.submit(Self.low(), at: 1200)
        #expect(third.codes == ["confidence.read_only", "confidence.low_streak"])
        #expect(third.level == .escalate)
        let reason = try #require(third.reasons.last)
        #expect(reason.detail.contains("0.6"))
        // The streak goes on while it lasts.
        #expect(harness.submit(Self.low(0.1), at: 1300).codes.contains("confidence.low_streak"))
    }

    @Test(
        "one confident proposal among the last three breaks the streak",
        arguments: [
            [0.5, 0.5, 0.6], [0.5, 0.6, 0.5], [0.6, 0.5, 0.5], [0.5, 0.9, 0.5], [0.59, 0.59, 0.6],
        ])
    func streakBroken(confidences: [Double]) {
        var harness = Harness()
        var last: Verdict?
        for (index, confidence) in confidences.enumerated() {
            last = harness.submit(Self.low(confidence), at: Double(index) * 60)
        }
        #expect(last?.codes.contains("confidence.low_streak") == false)
    }

    @Test("just below the threshold counts as low")
    func streakJustBelow() {
        var harness = Harness()
        _ = harness.submit(Self.low(0.6.nextDown), at: 0)
        _ = harness.submit(Self.low(0.59), at: 1)
        #expect(harness.submit(Self.low(0.6.nextDown), at: 2).codes.contains("confidence.low_streak"))
    }

    @Test("after a confident proposal, three new low ones are needed")
    func streakRestarts() {
        var harness = Harness()
        let confidences = [0.5, 0.9, 0.5, 0.5, 0.5]
        let fired = confidences.enumerated().map { index, confidence in
            harness.submit(Self.low(confidence), at: Double(index) * 60).codes.contains("confidence.low_streak")
        }
        #expect(fired == [false, false, false, false, true])
    }

    @Test(
        "the window: earlier proposals just outside the hour do not count, just inside they do",
        arguments: [
            (3600.0, true), (3599.0, true), (3601.0, false), (7200.0, false),
        ])
    func streakWindow(third: TimeInterval, fires: Bool) {
        var harness = Harness()
        _ = harness.submit(Self.low(), at: 0)
        _ = harness.submit(Self.low(), at: 30)
        #expect(harness.submit(Self.low(), at: third).codes.contains("confidence.low_streak") == fires)
    }

    @Test("each subject has its own streak")
    func streakPerSubject() {
        var harness = Harness()
        _ = harness.submit(Self.low(subject: "a"), at: 0)
        _ = harness.submit(Self.low(subject: "b"), at: 1)
        #expect(!harness.submit(Self.low(subject: "a"), at: 2).codes.contains("confidence.low_streak"))
        #expect(!harness.submit(Self.low(subject: "c"), at: 3).codes.contains("confidence.low_streak"))
        #expect(harness.submit(Self.low(subject: "a"), at: 4).codes.contains("confidence.low_streak"))
    }

    @Test("no subject, no streak")
    func streakNeedsSubject() {
        var harness = Harness()
        for index in 0..<5 {
            #expect(harness.submit(makeProposal(operation: "lookup_order", confidence: 0.5), at: Double(index)).level == .notify)
        }
    }

    @Test("the streak length comes from the policy")
    func streakCount() {
        var policy = Policy.default
        policy.escalation.lowConfidenceStreak = LowConfidenceStreak(count: 5, below: 0.3, within: 600)
        var harness = Harness(policy: policy)
        let fired = (0..<6).map { index in harness.submit(Self.low(0.25), at: Double(index) * 10).codes.contains("confidence.low_streak") }
        #expect(fired == [false, false, false, false, true, true])
        #expect(!harness.submit(Self.low(0.3), at: 70).codes.contains("confidence.low_streak"))
    }

    // MARK: Approvals per subject

    @Test("the third approval-level proposal within 24 hours escalates")
    func approvalsFire() throws {
        var harness = Harness()
        #expect(harness.submit(Self.held(), at: 0).level == .approve)
        #expect(harness.submit(Self.held(), at: 3600).level == .approve)
        let third = harness.submit(Self.held(), at: 7200)
        #expect(third.codes == ["confidence.financial", "approvals.per_subject"])
        #expect(third.level == .escalate)
        #expect(third.baseLevel == .approve)
        #expect(try #require(third.reasons.last).detail.contains("3"))
    }

    @Test(
        "approvals that fall out of the 24-hour window no longer count",
        arguments: [
            (86400.0, true), (86399.0, true), (86401.0, false), (200_000.0, false),
        ])
    func approvalsWindow(third: TimeInterval, fires: Bool) {
        var harness = Harness()
        _ = harness.submit(Self.held(), at: 0)
        _ = harness.submit(Self.held(), at: 60)
        let verdict = harness.submit(Self.held(), at: third)
        #expect(verdict.codes.contains("approvals.per_subject") == fires)
        #expect(verdict.level == (fires ? .escalate : .approve))
    }

    @Test("auto and notify proposals are not approvals")
    func approvalsIgnoreAutoAndNotify() {
        var harness = Harness()
        _ = harness.submit(Self.held(), at: 0)
        for index in 1...5 {
            let auto = makeProposal(operation: "refund", confidence: 1.0, subject: "customer-1")
            #expect(harness.submit(auto, at: Double(index) * 10).level == .auto)
            let notify = makeProposal(operation: "refund", confidence: 0.96, subject: "customer-1")
            #expect(harness.submit(notify, at: Double(index) * 10 + 5).level == .notify)
        }
        #expect(harness.submit(Self.held(), at: 100).level == .approve)
        #expect(harness.submit(Self.held(), at: 110).codes.contains("approvals.per_subject"))
    }

    @Test("an approval raised by the amount rule counts too")
    func approvalsByAmount() {
        var harness = Harness()
        let amount = makeProposal(operation: "refund", confidence: 1.0, amount: "600", subject: "customer-1")
        #expect(harness.submit(amount, at: 0).level == .approve)
        #expect(harness.submit(amount, at: 1).level == .approve)
        #expect(harness.submit(amount, at: 2).codes == ["amount.approve_over", "approvals.per_subject"])
    }

    @Test("other subjects' approvals do not count")
    func approvalsPerSubject() {
        var harness = Harness()
        _ = harness.submit(Self.held(subject: "a"), at: 0)
        _ = harness.submit(Self.held(subject: "b"), at: 1)
        _ = harness.submit(Self.held(subject: "c"), at: 2)
        #expect(harness.submit(Self.held(subject: "a"), at: 3).level == .approve)
        #expect(harness.submit(Self.held(subject: "a"), at: 4).level == .escalate)
    }

    @Test("the approval limit comes from the policy")
    func approvalsMax() {
        var policy = Policy.default
        policy.escalation.approvalsPerSubject = WindowedCount(max: 1, within: 60)
        var harness = Harness(policy: policy)
        #expect(harness.submit(Self.held(), at: 0).codes.contains("approvals.per_subject"))
        policy.escalation.approvalsPerSubject = WindowedCount(max: 4, within: 60)
        harness = Harness(policy: policy)
        let fired = (0..<5).map { harness.submit(Self.held(), at: Double($0)).codes.contains("approvals.per_subject") }
        #expect(fired == [false, false, false, true, true])
    }

    // MARK: Consecutive rejections

    @Test("two rejections in a row escalate the next proposal of that agent for that subject")
    func rejectionsFire() throws {
        var harness = Harness()
        harness.history.record(decision: .rejected, agent: "support-bot", subject: "customer-1")
        harness.history.record(decision: .rejected, agent: "support-bot", subject: "customer-1")
        let verdict = harness.submit(makeProposal(operation: "lookup_order", confidence: 1.0, subject: "customer-1"), at: 0)
        #expect(verdict.codes == ["rejections.consecutive"])
        #expect(verdict.level == .escalate)
        #expect(try #require(verdict.reasons.first).detail.contains("support-bot"))
    }

    @Test(
        "the latest decisions decide",
        arguments: [
            ([PastDecision.rejected, .rejected], true),
            ([.approved, .rejected], false),
            ([.rejected, .approved], false),
            ([.rejected], false),
            ([], false),
            ([.approved, .rejected, .rejected], true),
            ([.rejected, .rejected, .approved], false),
            ([.rejected, .takenOver, .rejected], false),
            ([.rejected, .rejected, .rejected], true),
        ])
    func rejectionSequences(oldestFirst: [PastDecision], fires: Bool) {
        var harness = Harness()
        for decision in oldestFirst { harness.history.record(decision: decision, agent: "support-bot", subject: "customer-1") }
        let verdict = harness.submit(makeProposal(operation: "lookup_order", confidence: 1.0, subject: "customer-1"), at: 0)
        #expect(verdict.codes.contains("rejections.consecutive") == fires)
    }

    @Test("another agent's rejections, or rejections for another subject, do not count")
    func rejectionsPerAgentAndSubject() {
        var harness = Harness()
        harness.history.record(decision: .rejected, agent: "other-bot", subject: "customer-1")
        harness.history.record(decision: .rejected, agent: "other-bot", subject: "customer-1")
        harness.history.record(decision: .rejected, agent: "support-bot", subject: "customer-2")
        harness.history.record(decision: .rejected, agent: "support-bot", subject: "customer-2")
        harness.history.record(decision: .rejected, agent: "support-bot", subject: "customer-1")
        let mine = makeProposal(agent: "support-bot", operation: "lookup_order", confidence: 1.0, subject: "customer-1")
        #expect(harness.submit(mine, at: 0).reasons.isEmpty)
        let theirs = makeProposal(agent: "other-bot", operation: "lookup_order", confidence: 1.0, subject: "customer-1")
        #expect(harness.submit(theirs, at: 1).codes == ["rejections.consecutive"])
    }

    @Test("the rejection count comes from the policy; off means never")
    func rejectionsCount() {
        var policy = Policy.default
        policy.escalation.consecutiveRejections = 3
        var harness = Harness(policy: policy)
        let proposal = makeProposal(operation: "lookup_order", confidence: 1.0, subject: "customer-1")
        harness.history.record(decision: .rejected, agent: "support-bot", subject: "customer-1")
        harness.history.record(decision: .rejected, agent: "support-bot", subject: "customer-1")
        #expect(harness.submit(proposal, at: 0).reasons.isEmpty)
        harness.history.record(decision: .rejected, agent: "support-bot", subject: "customer-1")
        #expect(harness.submit(proposal, at: 1).codes == ["rejections.consecutive"])

        policy.escalation.consecutiveRejections = nil
        harness = Harness(policy: policy)
        for _ in 0..<4 { harness.history.record(decision: .rejected, agent: "support-bot", subject: "customer-1") }
        #expect(harness.submit(proposal, at: 0).reasons.isEmpty)
    }

    @Test("the engine reads rejections from the history it is given, newest first")
    func rejectionsFromHistory() {
        let engine = DecisionEngine(policy: .default)
        let proposal = makeProposal(operation: "lookup_order", confidence: 1.0, subject: "s")
        #expect(engine.decide(proposal, history: SubjectHistory(recentDecisions: [.rejected, .rejected])).level == .escalate)
        #expect(engine.decide(proposal, history: SubjectHistory(recentDecisions: [.rejected, .approved])).level == .auto)
        // Without a subject the per-subject rules cannot apply.
        #expect(engine.decide(makeProposal(subject: nil), history: SubjectHistory(recentDecisions: [.rejected, .rejected])).level == .auto)
    }

    // MARK: Memory

    @Test("idle subjects are forgotten after the rules' lookback")
    func forgetIdle() {
        var harness = Harness()
        _ = harness.submit(Self.low(subject: "old"), at: 0)
        _ = harness.submit(Self.low(subject: "new"), at: 80000)
        #expect(harness.history.subjectCount == 2)
        harness.history.forgetIdle(now: Self.t0.addingTimeInterval(86400))
        #expect(harness.history.subjectCount == 2)
        harness.history.forgetIdle(now: Self.t0.addingTimeInterval(86401))
        #expect(harness.history.subjectCount == 1)
    }
}
