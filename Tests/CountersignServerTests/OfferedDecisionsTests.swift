import CountersignChannels
import CountersignCore
import CountersignGateway
import CountersignTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// Issue 17, item 4: an operation's policy can offer fewer answers (`decisions: [approve, reject]`);
/// every card shows only those, and any other answer is 422 `decision_not_offered`, through every door.
@Suite struct OfferedDecisionsTests {
    static var policy: Policy {
        var policy = Policy.default
        policy.operations["refund"]?.decisions = [.approve, .reject]
        return policy
    }

    static let offered: [HumanDecision] = [.approve, .reject]

    @Test(arguments: StoreKind.allCases)
    func aDecisionTheOperationDoesNotOfferIs422AndChangesNothing(on kind: StoreKind) async throws {
        try await withServer(on: kind, policy: Self.policy) { client, parts in
            let held = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "offered-1"))
            let id = try #require(held.json[path: "approval", "id"] as? String)
            let refused = try await client.call(.post, "/v1/approvals/\(id)/decision", secret: Secrets.alice, body: #"{"decision":"take_over"}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.json.errorCode == "decision_not_offered")
            #expect((refused.json[path: "error", "message"] as? String)?.contains("approve, reject") == true)
            await #expect(throws: GatewayError.self) {
                _ = try await parts.gateway.decide(approvalID: id, .takeOver, comment: nil, by: .approver("dave", .unlimited))
            }
            #expect(try await parts.gateway.store.approval(id: id)?.approval.status == .pending)
            let approved = try await client.call(.post, "/v1/approvals/\(id)/decision", secret: Secrets.alice, body: #"{"decision":"approve"}"#)
            #expect(approved.json["status"] as? String == "approved")
            // An operation the policy says nothing about still offers every decision.
            let lookup = try await client.call(
                .post, "/v1/proposals", secret: Secrets.agent,
                body: #"{"agent":"support-bot","operation":"close_account","confidence":0.5,"action":"Close account 7"}"#)
            let other = try #require(lookup.json[path: "approval", "id"] as? String)
            let takenOver = try await client.call(.post, "/v1/approvals/\(other)/decision", secret: Secrets.alice, body: #"{"decision":"take_over"}"#)
            #expect(takenOver.json["status"] as? String == "taken_over")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theConsoleShowsOnlyTheOfferedButtons(on kind: StoreKind) async throws {
        try await withServer(on: kind, policy: Self.policy) { client, _ in
            _ = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(key: "offered-console"))
            let console = QueueConsoleTests()
            let cookie = try await console.signIn(client)
            let (_, queue) = try await console.page(client, "/", cookie: cookie)
            #expect(queue.contains(#"value="approve""#) && queue.contains(#"value="reject""#))
            #expect(!queue.contains(#"value="take_over""#))
        }
    }

    @Test func everyCardShowsOnlyTheOfferedAnswers() throws {
        let view = SMSChannelTests.view(action: "Refund A-1", amount: 120)
        // Slack: the buttons.
        let slack = SlackCard(view: view, decisions: Self.offered)
        guard case .array(let blocks) = slack.blocks else { Issue.record("no blocks"); return }
        let buttons = blocks.compactMap { block -> [String]? in
            guard block["type"]?.stringValue == "actions", case .array(let elements)? = block["elements"] else { return nil }
            return elements.compactMap { $0["action_id"]?.stringValue }
        }
        #expect(buttons == [["approve", "reject"]])
        // Email: the links, in text and HTML.
        let email = EmailCard(view, links: .init(approve: "https://cs.example/a", reject: "https://cs.example/r", takeOver: nil))
        #expect(email.text.contains("Approve:   https://cs.example/a\nReject:    https://cs.example/r\n"))
        #expect(!email.text.contains("Take over") && !email.html.contains("Take over"))
        // SMS: the replies.
        #expect(
            SMSChannel.card(view, code: "482113", decisions: Self.offered)
                == #"Countersign, 120.00 EUR: reply Y 482113 approve, N 482113 reject, by 08:00 UTC. "Refund A-1""#)
        // The console card.
        let card = ConsolePages.card(view, csrf: "c", decisions: [.reject])
        #expect(card.contains(#"value="reject""#) && !card.contains(#"value="approve""#) && !card.contains(#"value="take_over""#))
    }
}
