import CountersignCore
import Foundation
import Testing

/// Rule 1: confidence against the risk class's thresholds, `>=` at every boundary.
@Suite("Confidence thresholds")
struct ThresholdTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var operation: String
        var riskClass: String
        var confidence: Double
        var expected: Level
        var testDescription: String { "\(operation) (\(riskClass)) at \(confidence) → \(expected)" }
    }

    /// Every default risk class, at and just around each of its three boundaries, plus 0 and 1.
    static let defaultClassCases: [Case] = {
        let classes: [(operation: String, riskClass: String, auto: Double, notify: Double, approve: Double)] = [
            ("lookup_order", "read_only", 0.60, 0.40, 0.20),
            ("update_address", "low_risk_write", 0.85, 0.70, 0.50),
            ("cancel_order", "high_risk_write", 0.95, 0.85, 0.70),
            ("refund", "financial", 0.99, 0.95, 0.80),
        ]
        var cases: [Case] = []
        for row in classes {
            let points: [(Double, Level)] = [
                (1.0, .auto),
                (row.auto.nextUp, .auto),
                (row.auto, .auto),
                (row.auto.nextDown, .notify),
                (row.notify, .notify),
                (row.notify.nextDown, .approve),
                (row.approve, .approve),
                (row.approve.nextDown, .escalate),
                (0.0, .escalate),
            ]
            for (confidence, level) in points {
                cases.append(Case(operation: row.operation, riskClass: row.riskClass, confidence: confidence, expected: level))
            }
        }
        return cases
    }()

    @Test("every default risk class, all four levels, at and around each boundary", arguments: defaultClassCases)
    func defaultClasses(_ c: Case) {
        let engine = DecisionEngine(policy: .default)
        let verdict = engine.decide(makeProposal(operation: c.operation, confidence: c.confidence, action: "Do the thing"))
        #expect(verdict.riskClass == c.riskClass)
        #expect(verdict.level == c.expected)
        #expect(verdict.baseLevel == c.expected)
        if c.expected == .auto {
            #expect(verdict.reasons.isEmpty)
        } else {
            #expect(verdict.codes == ["confidence.\(c.riskClass)"])
            #expect(verdict.reasons.first?.level == c.expected)
        }
    }

    @Test("Thresholds.level(for:) uses >= at each boundary")
    func thresholdsLevel() {
        let t = Thresholds(auto: 0.9, notify: 0.6, approve: 0.3)
        #expect(t.level(for: 0.9) == .auto)
        #expect(t.level(for: 0.9.nextDown) == .notify)
        #expect(t.level(for: 0.6) == .notify)
        #expect(t.level(for: 0.6.nextDown) == .approve)
        #expect(t.level(for: 0.3) == .approve)
        #expect(t.level(for: 0.3.nextDown) == .escalate)
        // Equal thresholds collapse the middle levels.
        let flat = Thresholds(auto: 0.5, notify: 0.5, approve: 0.5)
        #expect(flat.level(for: 0.5) == .auto)
        #expect(flat.level(for: 0.49) == .escalate)
    }

    @Test("levels are ordered auto < notify < approve < escalate")
    func levelOrder() {
        #expect(Level.allCases == [.auto, .notify, .approve, .escalate])
        #expect(Level.auto < .notify && Level.notify < .approve && Level.approve < .escalate)
        #expect(Level.allCases.max() == .escalate)
        #expect(Level.allCases.filter(\.holdsForHuman) == [.approve, .escalate])
    }

    @Test(
        "unknown operations take default_risk_class high_risk_write",
        arguments: [
            (0.95, Level.auto), (0.95.nextDown, .notify), (0.85, .notify), (0.84, .approve), (0.70, .approve), (0.69, .escalate),
        ])
    func unknownOperation(confidence: Double, expected: Level) {
        let engine = DecisionEngine(policy: .default)
        let verdict = engine.decide(makeProposal(operation: "frobnicate_widgets", confidence: confidence, action: "Frobnicate"))
        #expect(verdict.riskClass == "high_risk_write")
        #expect(verdict.level == expected)
        if expected != .auto { #expect(verdict.codes == ["confidence.high_risk_write"]) }
    }

    @Test("the default risk class follows the policy, not a fixed name")
    func defaultClassFromPolicy() {
        var policy = Policy.default
        policy.defaultRiskClass = "read_only"
        let verdict = DecisionEngine(policy: policy).decide(makeProposal(operation: "unheard_of", confidence: 0.6, action: "x"))
        #expect(verdict.riskClass == "read_only")
        #expect(verdict.level == .auto)
    }

    @Test("an agent cannot choose its own class: a risk_class member in the proposal is ignored")
    func agentCannotChooseClass() throws {
        let proposal = try decodeProposal(
            #"{"agent":"a","operation":"refund","risk_class":"read_only","confidence":0.9,"action":"Refund"}"#)
        let verdict = DecisionEngine(policy: .default).decide(proposal)
        #expect(verdict.riskClass == "financial")
        #expect(verdict.level == .approve)
    }

    static let overrideCases: [(Double, Level)] = [
        (0.97, .auto), (0.97.nextDown, .notify), (0.93, .notify), (0.93.nextDown, .approve), (0.80, .approve),
        (0.80.nextDown, .escalate),
    ]

    @Test("an operation's own thresholds win over its class's", arguments: overrideCases)
    func operationOverride(confidence: Double, expected: Level) {
        var policy = Policy.default
        policy.operations["refund"] = OperationRule(riskClass: "financial", thresholds: Thresholds(auto: 0.97, notify: 0.93, approve: 0.80))
        let engine = DecisionEngine(policy: policy)
        let verdict = engine.decide(makeProposal(operation: "refund", confidence: confidence))
        #expect(verdict.riskClass == "financial")
        #expect(verdict.level == expected)
        if expected != .auto { #expect(verdict.codes == ["confidence.financial"]) }
    }

    @Test("the override applies to its operation only; other operations of the class keep the class's thresholds")
    func overrideIsPerOperation() {
        var policy = Policy.default
        policy.operations["refund"] = OperationRule(riskClass: "financial", thresholds: Thresholds(auto: 0.97, notify: 0.93, approve: 0.80))
        policy.operations["payout"] = OperationRule(riskClass: "financial")
        let engine = DecisionEngine(policy: policy)
        #expect(engine.decide(makeProposal(operation: "refund", confidence: 0.975)).level == .auto)
        #expect(engine.decide(makeProposal(operation: "payout", confidence: 0.975)).level == .notify)
        #expect(engine.decide(makeProposal(operation: "refund", confidence: 0.94)).level == .notify)
        #expect(engine.decide(makeProposal(operation: "payout", confidence: 0.94)).level == .approve)
    }

    @Test("classify: named operations, unknown ones, and overrides")
    func classify() {
        var policy = Policy.default
        #expect(policy.classify("lookup_order").riskClass == "read_only")
        #expect(policy.classify("lookup_order").thresholds == Thresholds(auto: 0.60, notify: 0.40, approve: 0.20))
        #expect(policy.classify("nope").riskClass == "high_risk_write")
        #expect(policy.classify("nope").thresholds == Thresholds(auto: 0.95, notify: 0.85, approve: 0.70))
        policy.operations["refund"] = OperationRule(riskClass: "financial", thresholds: Thresholds(auto: 0.97, notify: 0.93, approve: 0.80))
        #expect(policy.classify("refund").thresholds == Thresholds(auto: 0.97, notify: 0.93, approve: 0.80))
    }

    @Test("the confidence reason names the threshold that was missed")
    func confidenceDetail() throws {
        let engine = DecisionEngine(policy: .default)
        let notify = try #require(engine.decide(makeProposal(operation: "cancel_order", confidence: 0.9)).reasons.first)
        #expect(notify.detail.contains("0.9"))
        #expect(notify.detail.contains("auto threshold 0.95"))
        #expect(notify.detail.contains("high_risk_write"))
        let approve = try #require(engine.decide(makeProposal(operation: "cancel_order", confidence: 0.8)).reasons.first)
        #expect(approve.detail.contains("notify threshold 0.85"))
        let escalate = try #require(engine.decide(makeProposal(operation: "cancel_order", confidence: 0.5)).reasons.first)
        #expect(escalate.detail.contains("approve threshold 0.7"))
        #expect(escalate.level == .escalate)
    }

    @Test("Thresholds.problem: range and order")
    func problem() {
        #expect(Thresholds(auto: 0.99, notify: 0.95, approve: 0.80).problem == nil)
        #expect(Thresholds(auto: 1, notify: 1, approve: 0).problem == nil)
        #expect(Thresholds(auto: 0.90, notify: 0.95, approve: 0.80).problem?.contains("auto >= notify >= approve") == true)
        #expect(Thresholds(auto: 0.99, notify: 0.70, approve: 0.80).problem?.contains("auto >= notify >= approve") == true)
        #expect(Thresholds(auto: 1.5, notify: 0.95, approve: 0.80).problem?.contains("between 0 and 1") == true)
        #expect(Thresholds(auto: 0.9, notify: 0.5, approve: -0.1).problem?.contains("approve") == true)
    }
}
