import CountersignCore
import Foundation
import Testing

/// Shadow (canary) mode: the policy's own level is recorded, a human decides every proposal of the
/// operations it covers, and escalations stay escalations.
@Suite("Shadow mode")
struct ShadowModeTests {
    /// One row: a proposal under a shadow setting, and what the verdict must say.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var shadow: ShadowMode
        var operationShadow = false
        var operation: String
        var confidence: Double
        var amount: String?
        var level: Level
        var policyLevel: Level?
        var shadowReason: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "live policy: auto stays auto", shadow: .off, operation: "refund", confidence: 0.995, level: .auto, policyLevel: nil,
            shadowReason: false),
        Case(
            name: "all in shadow: auto is held, the policy's auto recorded", shadow: ShadowMode(all: true), operation: "refund",
            confidence: 0.995, level: .approve, policyLevel: .auto, shadowReason: true),
        Case(
            name: "all in shadow: notify is held", shadow: ShadowMode(all: true), operation: "refund", confidence: 0.96, level: .approve,
            policyLevel: .notify, shadowReason: true),
        Case(
            name: "all in shadow: approve stays approve, no extra reason", shadow: ShadowMode(all: true), operation: "refund",
            confidence: 0.9, level: .approve, policyLevel: .approve, shadowReason: false),
        Case(
            name: "all in shadow: an escalation stays an escalation", shadow: ShadowMode(all: true), operation: "refund",
            confidence: 0.995, amount: "6000", level: .escalate, policyLevel: .escalate, shadowReason: false),
        Case(
            name: "all in shadow covers unnamed operations", shadow: ShadowMode(all: true), operation: "send_gift_card",
            confidence: 0.99, level: .approve, policyLevel: .auto, shadowReason: true),
        Case(
            name: "the listed operation is in shadow", shadow: ShadowMode(operations: ["refund"]), operation: "refund",
            confidence: 0.995, level: .approve, policyLevel: .auto, shadowReason: true),
        Case(
            name: "an operation not listed decides live", shadow: ShadowMode(operations: ["refund"]), operation: "lookup_order",
            confidence: 0.99, level: .auto, policyLevel: nil, shadowReason: false),
        Case(
            name: "an operation's own shadow flag", shadow: .off, operationShadow: true, operation: "refund", confidence: 0.995,
            level: .approve, policyLevel: .auto, shadowReason: true),
    ]

    @Test(arguments: cases)
    func verdicts(_ row: Case) {
        var policy = Policy.default
        policy.shadow = row.shadow
        if row.operationShadow { policy.operations["refund"]?.shadow = true }
        let verdict = DecisionEngine(policy: policy).decide(
            makeProposal(operation: row.operation, confidence: row.confidence, amount: row.amount))
        #expect(verdict.level == row.level)
        #expect(verdict.policyLevel == row.policyLevel)
        #expect(verdict.codes.contains("shadow_mode") == row.shadowReason)
        #expect(verdict.codes.last == (row.shadowReason ? "shadow_mode" : verdict.codes.last))
        // The level is still the most severe reason, as everywhere else.
        #expect(verdict.level == verdict.reasons.map(\.level).max() ?? .auto)
    }

    @Test("shadow mode does not change what counts as an approval for the per-subject limit")
    func baseLevelIsThePolicys() {
        var policy = Policy.default
        policy.shadow = ShadowMode(all: true)
        let verdict = DecisionEngine(policy: policy).decide(makeProposal(operation: "refund", confidence: 0.995, subject: "c-1"))
        #expect(verdict.baseLevel == .auto)
        #expect(DecisionEngine(policy: policy).historyQuery(for: makeProposal(confidence: 0.995, subject: "c-1"), now: Date())?.approvalsSince == nil)
    }

    @Test("the verdict JSON shows both levels, and the reason explains the hold")
    func json() throws {
        var policy = Policy.default
        policy.shadow = ShadowMode(all: true)
        let verdict = DecisionEngine(policy: policy).decide(makeProposal(operation: "refund", confidence: 0.995))
        var writer = JSONWriter(capacity: 256)
        writer.raw("{")
        verdict.writeMembers(to: &writer)
        writer.raw("}")
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"level":"approve","policy_level":"auto","risk_class":"financial","reasons":["#))
        #expect(text.contains(#""code":"shadow_mode","level":"approve""#))
        #expect(text.contains("the policy would have chosen auto"))

        var live = JSONWriter(capacity: 256)
        DecisionEngine(policy: .default).decide(makeProposal(operation: "refund", confidence: 0.995)).writeMembers(to: &live)
        #expect(!String(decoding: live.bytes, as: UTF8.self).contains("policy_level"))
    }
}
