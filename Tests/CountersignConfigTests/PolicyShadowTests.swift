import CountersignConfig
import CountersignCore
import Foundation
import Testing

/// The `shadow` switch of a policy file: global, per operation, or a list; bad values refused
/// with line and column.
@Suite("Policy file: shadow mode")
struct PolicyShadowTests {
    static func parse(_ yaml: String) throws(ConfigError) -> Policy {
        try PolicyFile.parse(yaml: yaml, file: "policy.yaml")
    }

    @Test("the default runs live")
    func defaultIsLive() throws {
        #expect(Policy.default.shadow == .off)
        #expect(!Policy.default.isShadowed("refund"))
    }

    @Test(
        "shadow settings read as written",
        arguments: [
            ("shadow: true\n", ["refund", "lookup_order", "anything_else"], [String]()),
            ("shadow: false\n", [], ["refund", "lookup_order"]),
            ("shadow: {all: true}\n", ["refund", "lookup_order"], []),
            ("shadow:\n  operations: [refund, cancel_order]\n", ["refund", "cancel_order"], ["lookup_order", "anything_else"]),
            ("operations:\n  refund: {class: financial, shadow: true}\n", ["refund"], ["lookup_order", "cancel_order"]),
            ("operations:\n  refund: {class: financial, auto: 0.97, shadow: true}\n", ["refund"], ["lookup_order"]),
            ("shadow: ~\n", [], ["refund"]),
        ])
    func settings(yaml: String, shadowed: [String], live: [String]) throws {
        let policy = try Self.parse(yaml)
        for operation in shadowed { #expect(policy.isShadowed(operation), "\(operation)") }
        for operation in live { #expect(!policy.isShadowed(operation), "\(operation)") }
    }

    @Test("an operation's own shadow flag keeps its thresholds")
    func flagWithThresholds() throws {
        let policy = try Self.parse("operations:\n  refund: {class: financial, auto: 0.97, shadow: true}\n")
        #expect(
            policy.operations["refund"]
                == OperationRule(riskClass: "financial", thresholds: Thresholds(auto: 0.97, notify: 0.95, approve: 0.80), shadow: true))
    }

    @Test(
        "bad shadow settings are refused with line and column",
        arguments: [
            ("shadow: maybe\n", 1, 9, "shadow must be true or false"),
            ("shadow: [refund]\n", 1, 9, "shadow must be true, false, or {all: true|false, operations: [names]}"),
            ("shadow:\n  everything: true\n", 2, 3, "unknown key 'everything' in shadow"),
            ("shadow:\n  operations: [refund, refnd]\n", 2, 24, "shadow.operations names 'refnd', which is not under operations"),
            ("shadow: {operations: refund}\n", 1, 22, "shadow.operations must be a list"),
            ("operations:\n  refund: {class: financial, shadow: yes please}\n", 2, 38, "operations.refund.shadow must be true or false"),
        ])
    func bad(yaml: String, line: Int, column: Int, message: String) throws {
        do {
            _ = try Self.parse(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            let issue = try #require(error.issues.first)
            #expect(issue.message.contains(message), "\(issue)")
            #expect(issue.line == line && issue.column == column, "\(issue)")
        }
    }

    @Test("calibrate --out keeps an operation's shadow flag when it rewrites the operations section")
    func rewriteKeepsTheFlag() throws {
        let base = "version: 1\nshadow: {operations: [cancel_order]}\noperations:\n  refund: {class: financial, shadow: true}\n"
        var policy = try Self.parse(base)
        policy.operations["refund"]?.thresholds = Thresholds(auto: 0.97, notify: 0.93, approve: 0.8)
        let text = try PolicyFile.text(replacing: .operations, in: base, with: policy, comment: ["calibrated"], file: "out.yaml")
        let reread = try Self.parse(text)
        #expect(reread.isShadowed("refund"))
        #expect(reread.isShadowed("cancel_order"))
        #expect(reread.operations["refund"]?.thresholds?.auto == 0.97)
    }
}
