import CountersignConfig
import CountersignCore
import Testing

/// `operations.<name>.decisions`: which answers approvers are offered for an operation (issue 17, item 4).
@Suite struct OfferedDecisionsConfigTests {
    @Test func anOperationListsItsDecisionsInOrderAndOthersOfferAll() throws {
        let policy = try PolicyFile.parse(
            yaml: """
                operations:
                  refund: {class: financial, decisions: [reject, approve]}
                  lookup_order: read_only
                """, file: "p.yaml")
        #expect(policy.decisions(for: "refund") == [.reject, .approve])
        #expect(policy.decisions(for: "lookup_order") == HumanDecision.allCases)
        #expect(policy.decisions(for: "never_named") == HumanDecision.allCases)
    }

    @Test(arguments: [
        ("operations:\n  refund: {class: financial, decisions: []}\n", "must list at least one of approve, reject, take_over"),
        ("operations:\n  refund: {class: financial, decisions: [approve, maybe]}\n", "'maybe', which is not a decision"),
        ("operations:\n  refund: {class: financial, decisions: [reject, reject]}\n", "'reject' twice"),
        ("operations:\n  refund: {class: financial, decisions: approve}\n", "decisions"),
    ])
    func badDecisionListsAreRefusedAtTheirLine(yaml: String, fragment: String) throws {
        let error = try #require(throws: ConfigError.self) { try PolicyFile.parse(yaml: yaml, file: "p.yaml") }
        let issue = try #require(error.issues.first)
        #expect(issue.line == 2, "\(issue)")
        #expect(issue.message.contains(fragment), "\(issue)")
    }
}

/// `approvals.remind_before` (issue 17, item 6).
@Suite struct ReminderConfigTests {
    @Test func aReminderIsADurationShorterThanTheTimeout() throws {
        #expect(try PolicyFile.parse(yaml: "approvals: {remind_before: 10m}", file: "p.yaml").approvals.remindBefore == 600)
        #expect(try PolicyFile.parse(yaml: "approvals: {remind_before: false}", file: "p.yaml").approvals.remindBefore == nil)
        #expect(Policy.default.approvals.remindBefore == nil)
    }

    @Test(arguments: [
        ("approvals: {remind_before: 30m}", "must be shorter than approvals.timeout"),
        ("approvals: {timeout: 5m, remind_before: 1h}", "must be shorter than approvals.timeout"),
        ("approvals: {remind_before: soon}", "approvals.remind_before must be a duration"),
    ])
    func badRemindersAreRefused(yaml: String, fragment: String) throws {
        let error = try #require(throws: ConfigError.self) { try PolicyFile.parse(yaml: yaml, file: "p.yaml") }
        #expect(error.issues.contains { $0.message.contains(fragment) }, "\(error)")
    }
}
