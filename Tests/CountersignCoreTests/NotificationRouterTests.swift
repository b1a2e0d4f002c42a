import CountersignCore
import Foundation
import Testing

/// Who is notified of a held proposal, and how: routes, chains, `may_approve`, urgency.
@Suite struct NotificationRouterTests {
    static let recipients: [NotificationRouter.Recipient] = [
        .init(name: "alice", rights: .unlimited, channels: [.slack, .email, .sms]),
        .init(
            name: "bob", rights: ApproverRights(riskClasses: ["financial"], maxAmount: AmountLimit(500, policyCurrency: "USD")), channels: [.email]),
        .init(name: "carol", rights: .unlimited, channels: [.slack, .sms]),
        .init(name: "dave", rights: ApproverRights(riskClasses: ["read_only"]), channels: [.slack]),
        .init(name: "nobody-reachable", rights: .unlimited, channels: []),
    ]

    static let routing = Routing(
        groups: ["finance": ["alice", "bob"], "leads": ["carol"]],
        routes: [
            .init(
                match: .init(riskClasses: ["financial"], operations: ["refund"], amountOver: AmountLimit(100, policyCurrency: "USD")),
                steps: [
                    .init(groups: ["finance"], channels: [.slack, .email], wait: 600),
                    .init(approvers: ["carol"], channels: [.sms, .slack], wait: 600),
                ]),
            .init(match: .init(operations: ["delete_account"]), steps: [.init(groups: ["leads"], channels: [.email])]),
        ])

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var riskClass: String
        var operation: String
        var amount: Decimal?
        var agent = "support-bot"
        var routing = NotificationRouterTests.routing
        /// Each step as "approver:channel" pushes, then the wait.
        var expected: [([String], TimeInterval?)]

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "matching route: finance on slack/email, then carol (sms dropped: not urgent)", riskClass: "financial", operation: "refund",
            amount: 300, expected: [(["alice:slack", "alice:email", "bob:email"], 600), (["carol:slack"], nil)]),
        Case(
            name: "over bob's limit: bob is left out", riskClass: "financial", operation: "refund", amount: 800,
            expected: [(["alice:slack", "alice:email"], 600), (["carol:slack"], nil)]),
        Case(
            name: "urgent (over 1000): SMS and Slack added", riskClass: "financial", operation: "refund", amount: 1500,
            expected: [(["alice:slack", "alice:email", "alice:sms"], 600), (["carol:slack", "carol:sms"], nil)]),
        Case(
            name: "amount not over the route's amount_over: default route", riskClass: "financial", operation: "refund", amount: 100,
            expected: [(["alice:slack", "alice:email", "bob:email", "carol:slack"], nil)]),
        Case(
            name: "no amount never matches amount_over", riskClass: "financial", operation: "refund", amount: nil,
            expected: [(["alice:slack", "alice:email", "bob:email", "carol:slack"], nil)]),
        Case(
            name: "default route: everyone allowed, never by SMS when not urgent", riskClass: "high_risk_write", operation: "cancel_order",
            amount: nil, expected: [(["alice:slack", "alice:email", "carol:slack"], nil)]),
        Case(
            name: "default route, read_only: dave may decide it too", riskClass: "read_only", operation: "lookup_order", amount: nil,
            expected: [(["alice:slack", "alice:email", "carol:slack", "dave:slack"], nil)]),
        Case(
            name: "operation route to a group on email only", riskClass: "high_risk_write", operation: "delete_account", amount: nil,
            expected: []),
        Case(
            name: "the agent is never asked about its own proposal", riskClass: "high_risk_write", operation: "cancel_order", amount: nil,
            agent: "alice", expected: [(["carol:slack"], nil)]),
        Case(
            name: "a step that reaches nobody is skipped; the last step has no wait", riskClass: "financial", operation: "refund",
            amount: 300, routing: Routing(routes: [.init(steps: [.init(approvers: ["dave"], wait: 60), .init(approvers: ["carol"], wait: 60)])]),
            expected: [(["carol:slack"], nil)]),
    ]

    @Test(arguments: cases)
    func plans(_ test: Case) {
        let router = NotificationRouter(
            routing: test.routing, recipients: Self.recipients, enabledChannels: [.slack, .email, .sms],
            urgentOver: AmountLimit(1000, policyCurrency: "USD"))
        let plan = router.plan(riskClass: test.riskClass, operation: test.operation, amount: test.amount, agent: test.agent)
        #expect(plan.map { $0.pushes.map { "\($0.approver):\($0.channel.rawValue)" } } == test.expected.map(\.0))
        #expect(plan.map(\.wait) == test.expected.map(\.1))
    }

    @Test func onlyEnabledChannelsArePushed() {
        let router = NotificationRouter(
            routing: Self.routing, recipients: Self.recipients, enabledChannels: [.slack], urgentOver: AmountLimit(1000, policyCurrency: "USD"))
        let plan = router.plan(riskClass: "financial", operation: "refund", amount: 5000, agent: "support-bot")
        #expect(plan.map { $0.pushes.map(\.approver) } == [["alice"], ["carol"]])
        #expect(plan.allSatisfy { $0.pushes.allSatisfy { $0.channel == .slack } })
    }

    @Test(arguments: [(Decimal?.none, false), (1000, false), (1000.01, true)])
    func urgency(amount: Decimal?, urgent: Bool) {
        #expect(NotificationRouter(urgentOver: AmountLimit(1000, policyCurrency: "USD")).isUrgent(amount) == urgent)
        #expect(!NotificationRouter(urgentOver: nil).isUrgent(5_000_000))
    }
}
