import CountersignChannels
import CountersignCore
import CountersignStore
import Foundation
import Testing

/// The Block Kit card: what it shows, and that it stays within Slack's published limits whatever
/// the agent sends.
@Suite struct SlackCardTests {
    static func view(
        action: String = "Refund order A-1042 in full", reasoning: String? = "Damaged item", reasons: Int = 1, status: ApprovalStatus = .pending,
        id: String = "0193f2d4-7c1e-7a00-8000-000000000001"
    ) -> ApprovalView {
        let proposal = Proposal(
            agent: "support-bot", operation: "refund", confidence: 0.97, amount: 2400, currency: "USD", subject: "customer-881", action: action,
            reasoning: reasoning, fallback: "Tell the customer a specialist will follow up")
        let verdict = Verdict(
            level: .escalate, riskClass: "financial",
            reasons: (0..<reasons).map { Reason(code: "amount.approve_over", level: .approve, detail: "amount 2,400.00 USD is over 500.00 #\($0)") },
            baseLevel: .approve)
        let created = Date(timeIntervalSince1970: 1_800_000_000)
        var approval = ApprovalRecord(
            id: id, proposalID: "p-1", status: status, deadline: created.addingTimeInterval(1800),
            fallback: "Tell the customer a specialist will follow up",
            createdAt: created)
        if status != .pending {
            approval.decidedBy = "alice"
            approval.decidedAt = created.addingTimeInterval(60)
            approval.comment = "ok"
        }
        return ApprovalView(approval: approval, proposal: ProposalRecord(id: "p-1", proposal: proposal, verdict: verdict, createdAt: created))
    }

    @Test func aPendingCardShowsEverythingAndTheThreeButtons() throws {
        let card = SlackCard(view: Self.view())
        #expect(SlackLimits.violations(blocks: card.blocks).isEmpty)
        guard case .array(let blocks) = card.blocks else { Issue.record("blocks is not an array"); return }
        #expect(blocks.first?["type"]?.stringValue == "header")
        #expect(blocks.first?["text"]?["text"]?.stringValue == "Approval needed: refund")
        let summary = try #require(blocks[1]["text"]?["text"]?.stringValue)
        #expect(summary.contains("*Amount:* *2,400.00 USD*"))
        #expect(summary.contains("*Confidence:* 97%"))
        let deadline = try #require(blocks.first { $0["block_id"]?.stringValue == "deadline" }?["text"]?["text"]?.stringValue)
        #expect(deadline.contains("<!date^1800001800^{date_short_pretty} {time}|2027-01-15T08:30:00Z>"))
        #expect(deadline.contains("Tell the customer a specialist will follow up"))
        let actions = try #require(blocks.last)
        #expect(actions["type"]?.stringValue == "actions")
        guard case .array(let buttons)? = actions["elements"] else { Issue.record("no buttons"); return }
        #expect(buttons.map { $0["text"]?["text"]?.stringValue } == ["Approve", "Reject", "Take over"])
        #expect(buttons.map { $0["value"]?.stringValue } == Array(repeating: "0193f2d4-7c1e-7a00-8000-000000000001", count: 3))
        #expect(buttons.map { $0["style"]?.stringValue } == ["primary", "danger", nil])
    }

    @Test(arguments: [ApprovalStatus.approved, .rejected, .takenOver, .expired])
    func aDecidedCardHasNoButtonsAndSaysWhoDecided(status: ApprovalStatus) throws {
        let card = SlackCard(view: Self.view(status: status))
        guard case .array(let blocks) = card.blocks else { Issue.record("blocks is not an array"); return }
        #expect(!blocks.contains { $0["type"]?.stringValue == "actions" })
        let outcome = try #require(blocks.last?["text"]?["text"]?.stringValue)
        #expect(outcome.contains(status == .expired ? "Expired" : "by *alice*"))
        #expect(SlackLimits.violations(blocks: card.blocks).isEmpty)
    }

    /// Oversized input is cut to the limits, never refused by Slack.
    @Test(arguments: [
        (String(repeating: "A", count: 10_000), String?.none, 1),
        ("Refund", String(repeating: "because ", count: 2_000), 1),
        ("Refund", "ok", 400),
        (String(repeating: "<&>", count: 2_000), String(repeating: "é", count: 5_000), 60),
    ])
    func oversizedCardsStayWithinSlacksLimits(action: String, reasoning: String?, reasons: Int) throws {
        for status in [ApprovalStatus.pending, .approved] {
            let card = SlackCard(view: Self.view(action: action, reasoning: reasoning, reasons: reasons, status: status))
            #expect(SlackLimits.violations(blocks: card.blocks) == [])
            #expect(card.text.count <= 3000)
        }
    }

    @Test func theLimitCheckFindsViolations() {
        let long = JSONValue.string(String(repeating: "x", count: 3001))
        let blocks = JSONValue.array(
            Array(repeating: .object([.init("type", .string("divider"))]), count: 51) + [
                .object([.init("type", .string("section")), .init("text", .object([.init("type", .string("mrkdwn")), .init("text", long)]))]),
                .object([
                    .init("type", .string("actions")),
                    .init(
                        "elements",
                        .array([
                            .object([
                                .init("type", .string("button")), .init("action_id", .string(String(repeating: "a", count: 256))),
                                .init(
                                    "text",
                                    .object([.init("type", .string("plain_text")), .init("text", .string(String(repeating: "b", count: 76)))])),
                                .init("value", .string(String(repeating: "v", count: 2001))),
                            ])
                        ])),
                ]),
            ])
        let problems = SlackLimits.violations(blocks: blocks)
        #expect(problems.count == 5, "\(problems)")
    }
}
