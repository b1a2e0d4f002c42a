import CountersignChannels
import CountersignCore
import CountersignTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// Slack end to end: the real server and Slack client against a local stand-in of Slack's Web API.
@Suite struct SlackChannelTests {
    @Test(arguments: StoreKind.allCases) func aCardReachesSlackAndASignedClickDecidesAndUpdatesTheCards(on kind: StoreKind) async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(on: kind, slackURL: baseURL) { client, _ in
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON())
                #expect(created.status == .created)
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                // Default routing: every approver allowed to decide it who has Slack (dave has only email).
                let posts = try await slack.waitFor("/api/chat.postMessage", count: 2)
                #expect(posts.count == 2)
                #expect(Set(posts.map { $0.body["channel"] as? String }) == ["U0ALICE", "U0BOB"])
                let post = try #require(posts.first)
                #expect(post.headers["authorization"] == "Bearer \(SlackSecrets.botToken)")
                #expect(post.headers["content-type"]?.hasPrefix("application/json") == true)
                let blocks = try #require(post.body["blocks"] as? [[String: Any]])
                let card = allText(blocks)
                #expect(card.contains("*Amount:* *120.00 USD*"))
                #expect(card.contains("The parcel arrived damaged"))
                #expect(card.contains("Tell the customer a specialist will follow up"))
                #expect(card.contains("confidence.financial"))
                #expect(card.contains("90%"))
                // The agent's text cannot mention a channel: it is escaped.
                #expect(card.contains("Refund order A-7 &lt;@channel&gt;") && !card.contains("<@channel>"))
                let buttons = try #require(blocks.last?["elements"] as? [[String: Any]])
                #expect(buttons.map { $0["action_id"] as? String } == ["approve", "reject", "take_over"])
                #expect(buttons.allSatisfy { $0["value"] as? String == approvalID })
                // Valid against Slack's limits, as the card builder checks them.
                #expect(post.body["text"] as? String != nil)

                // Alice clicks Approve, signed as Slack signs it.
                let click = SlackClick(user: "U0ALICE", action: "approve", approvalID: approvalID, responseURL: baseURL + "/response/1")
                let answered = try await client.click(click)
                #expect(answered.status == .ok)
                let approval = try await client.call(.get, "/v1/approvals/\(approvalID)", secret: Secrets.alice)
                #expect(approval.json["status"] as? String == "approved")
                #expect(approval.json["decided_by"] as? String == "alice")
                let reply = try await slack.waitFor("/response/1", count: 1)
                #expect(reply.first?.body["response_type"] as? String == "ephemeral")
                #expect((reply.first?.body["text"] as? String)?.contains("you approved") == true)
                #expect(reply.first?.headers["authorization"] == nil)

                // Both cards change in place to show who decided: no dead buttons left. A card whose
                // post was still being recorded when the decision committed may be updated twice
                // (by its poster and by the decision's message), with the same content.
                let updates = try await slack.waitFor("/api/chat.update", count: 2)
                #expect((2...3).contains(updates.count), "\(updates.count) updates")
                #expect(Set(updates.map { $0.body["channel"] as? String }) == ["D0ALICE", "D0BOB"])
                for update in updates {
                    let text = allText(update.body["blocks"])
                    #expect(text.contains("*Approved* by *alice*"))
                    #expect(!text.contains("take_over"))
                    #expect((update.body["ts"] as? String)?.hasPrefix("1700000000.") == true)
                }

                // The same request again is a replay: refused, nothing changes.
                #expect(try await client.click(click) == (.unauthorized, "replayed_request"))
                // Bob's later click, freshly signed, is told it was already decided.
                let late = SlackClick(user: "U0BOB", action: "reject", approvalID: approvalID, responseURL: baseURL + "/response/2")
                #expect(try await client.click(late).status == .ok)
                let told = try await slack.waitFor("/response/2", count: 1)
                #expect((told.first?.body["text"] as? String)?.contains("no longer pending") == true)
                #expect(try await client.call(.get, "/v1/approvals/\(approvalID)", secret: Secrets.alice).json["status"] as? String == "approved")
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func forgedStaleAndUnsignedClicksAreRefused(on kind: StoreKind) async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(on: kind, slackURL: baseURL) { client, _ in
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON())
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                let response = baseURL + "/response/x"
                var forged = SlackClick(user: "U0ALICE", action: "approve", approvalID: approvalID, responseURL: response)
                forged.secret = "not-the-signing-secret-0000000000"
                #expect(try await client.click(forged) == (.unauthorized, "bad_signature"))
                var stale = SlackClick(user: "U0ALICE", action: "approve", approvalID: approvalID, responseURL: response)
                stale.timestamp -= 360
                #expect(try await client.click(stale) == (.unauthorized, "stale_timestamp"))
                var future = SlackClick(user: "U0ALICE", action: "approve", approvalID: approvalID, responseURL: response)
                future.timestamp += 360
                #expect(try await client.click(future) == (.unauthorized, "stale_timestamp"))
                let unsigned = SlackClick(user: "U0ALICE", action: "approve", approvalID: approvalID, responseURL: response)
                var headers = unsigned.headers
                headers[HTTPField.Name("X-Slack-Signature")!] = nil
                #expect(try await client.click(unsigned, headers: headers) == (.unauthorized, "missing_signature"))
                // A body changed after signing.
                let tampered = SlackClick(user: "U0ALICE", action: "approve", approvalID: approvalID, responseURL: response)
                var otherBody = tampered
                otherBody.action = "reject"
                #expect(try await client.click(otherBody, headers: tampered.headers) == (.unauthorized, "bad_signature"))
                // None of them decided anything.
                #expect(try await client.call(.get, "/v1/approvals/\(approvalID)", secret: Secrets.alice).json["status"] as? String == "pending")
                #expect(slack.requests.filter { $0.path.hasPrefix("/response") }.isEmpty)
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func approverLimitsApplyAndUnknownSlackUsersCannotDecide(on kind: StoreKind) async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(on: kind, slackURL: baseURL) { client, _ in
                // 800 is over bob's limit (500): bob gets no card, and his click is refused.
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON(amount: 800))
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                let posts = try await slack.waitFor("/api/chat.postMessage", count: 1)
                try await Task.sleep(for: .milliseconds(200))
                #expect(slack.requests("/api/chat.postMessage").map { $0.body["channel"] as? String } == ["U0ALICE"])
                _ = posts
                let bobClick = SlackClick(user: "U0BOB", action: "approve", approvalID: approvalID, responseURL: baseURL + "/response/bob")
                #expect(try await client.click(bobClick).status == .ok)
                let told = try await slack.waitFor("/response/bob", count: 1)
                #expect((told.first?.body["text"] as? String)?.contains("may not decide amounts over 500.00") == true)
                let stranger = SlackClick(user: "U0EVE", action: "approve", approvalID: approvalID, responseURL: baseURL + "/response/eve")
                #expect(try await client.click(stranger).status == .ok)
                let toldEve = try await slack.waitFor("/response/eve", count: 1)
                #expect((toldEve.first?.body["text"] as? String)?.contains("not linked") == true)
                #expect(try await client.call(.get, "/v1/approvals/\(approvalID)", secret: Secrets.alice).json["status"] as? String == "pending")
            }
        }
    }

    @Test func aDecisionMadeElsewhereUpdatesTheCard() async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(slackURL: baseURL) { client, _ in
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON())
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                _ = try await slack.waitFor("/api/chat.postMessage", count: 2)
                let decided = try await client.call(
                    .post, "/v1/approvals/\(approvalID)/decision", secret: Secrets.dave, body: #"{"decision":"reject","comment":"wrong order"}"#)
                #expect(decided.status == .ok)
                let updates = try await slack.waitFor("/api/chat.update", count: 2)
                #expect(updates.count == 2)
                #expect(updates.allSatisfy { allText($0.body["blocks"]).contains("*Rejected* by *dave*") })
                #expect(updates.allSatisfy { allText($0.body["blocks"]).contains("wrong order") })
            }
        }
    }

    @Test func slackErrorsAreRetriedOrDeadAsSlackDocuments() async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(slackURL: baseURL, routing: Routing(routes: [.init(steps: [.init(approvers: ["alice"])])])) { client, parts in
                // Rate limited once (429 with Retry-After: 1), then accepted: the retry waits at least a second.
                slack.fail(next: .init(status: .tooManyRequests, headers: ["Retry-After": "1"], body: #"{"ok":false,"error":"ratelimited"}"#))
                let started = Date()
                _ = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON())
                let posts = try await slack.waitFor("/api/chat.postMessage", count: 2)
                #expect(posts.count == 2)
                #expect(Date().timeIntervalSince(started) >= 0.9)
                // A bad token is permanent: the message is dead after one attempt.
                slack.fail(next: .init(status: .ok, body: #"{"ok":false,"error":"invalid_auth"}"#))
                _ = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON())
                _ = try await slack.waitFor("/api/chat.postMessage", count: 3)
                var dead: [String] = []
                for _ in 0..<100 where dead.isEmpty {
                    dead = try await parts.gateway.store.outbox(status: .dead, limit: 10).compactMap(\.lastError)
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(dead == ["Slack chat.postMessage failed: invalid_auth"])
                #expect(!dead.joined().contains(SlackSecrets.botToken))
                try await Task.sleep(for: .milliseconds(300))
                #expect(slack.requests("/api/chat.postMessage").count == 3)
            }
        }
    }
}
