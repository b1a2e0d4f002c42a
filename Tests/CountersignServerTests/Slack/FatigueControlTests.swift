import CountersignChannels
import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// Fatigue control: `notify`-level proposals go to a digest, never one push each; a per-approver
/// cap on pushes per hour folds the overflow into one summary.
@Suite struct FatigueControlTests {
    static func notifyJSON(_ index: Int) -> String {
        #"{"idempotency_key":"n-\#(index)","agent":"support-bot","operation":"refund","confidence":0.96,"amount":\#(10 + index),"currency":"USD","action":"Refund shipping fee \#(index)"}"#
    }

    @Test func notifyLevelProposalsGoToTheDigestNotOnePushEach() async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            let routing = Routing(digest: .init(every: 3600, channels: [.slack]))
            try await withSlackServer(slackURL: baseURL, routing: routing) { client, parts in
                for index in 0..<3 {
                    let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: Self.notifyJSON(index))
                    #expect(created.json["level"] as? String == "notify")
                }
                try await Task.sleep(for: .milliseconds(300))
                #expect(slack.requests("/api/chat.postMessage").isEmpty)
                // The durable schedule: this hour's digest for each Slack approver, due at the hour's end.
                let pending = try await parts.gateway.store.outbox(status: .pending, limit: 20).filter { $0.id.hasPrefix("digest_slack_") }
                #expect(Set(pending.map(\.destination)) == ["alice", "bob"])
                let aliceDigest = try #require(pending.first { $0.destination == "alice" })
                let payload = try #require(ChannelMessages.Payload(aliceDigest.payload))
                #expect(aliceDigest.nextAttemptAt == payload.to)
                // Delivered (as the dispatcher will at the hour's end): one message listing all three.
                let channel = SlackChannel(
                    api: SlackWebAPI(baseURL: baseURL + "/api", token: SlackSecrets.botToken), gateway: parts.gateway,
                    users: ["alice": "U0ALICE", "bob": "U0BOB"])
                try await channel.deliver(aliceDigest)
                let posts = try await slack.waitFor("/api/chat.postMessage", count: 1)
                #expect(posts.count == 1)
                let text = allText(posts.first?.body["blocks"])
                #expect(text.contains("Digest: 3 actions taken with notice"))
                for index in 0..<3 { #expect(text.contains("Refund shipping fee \(index)")) }
                #expect(text.contains("*10.00 USD*"))
                // And the next window is queued, once, however often the digest is delivered.
                try await channel.deliver(aliceDigest)
                let next = try await parts.gateway.store.outbox(status: .pending, limit: 20).filter {
                    $0.id.hasPrefix("digest_slack_alice_") && $0.id != aliceDigest.id
                }
                #expect(next.count == 1)
                #expect(next.first?.nextAttemptAt == payload.to?.addingTimeInterval(3600))
            }
        }
    }

    @Test func thePushCapHoldsAndTheOverflowIsFoldedIntoOneSummary() async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            let routing = Routing(routes: [.init(steps: [.init(approvers: ["alice"])])], caps: .init(pushesPerHour: 2))
            try await withSlackServer(slackURL: baseURL, routing: routing) { client, parts in
                for index in 0..<5 {
                    let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON(amount: 100 + index))
                    #expect(created.status == .created)
                }
                _ = try await slack.waitFor("/api/chat.postMessage", count: 2)
                // Wait until every card message was handled, then count: the cap holds.
                for _ in 0..<200 {
                    let cards = try await parts.gateway.store.outbox(status: .pending, limit: 50).filter { $0.id.hasPrefix("card_") }
                    if cards.isEmpty { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                #expect(slack.requests("/api/chat.postMessage").count == 2)
                let summaries = try await parts.gateway.store.outbox(status: .pending, limit: 50).filter { $0.id.hasPrefix("summary_slack_alice_") }
                #expect(summaries.count == 1)
                let summary = try #require(summaries.first)
                #expect(summary.nextAttemptAt > Date())
                let channel = SlackChannel(
                    api: SlackWebAPI(baseURL: baseURL + "/api", token: SlackSecrets.botToken), gateway: parts.gateway, users: ["alice": "U0ALICE"])
                try await channel.deliver(summary)
                let posts = try await slack.waitFor("/api/chat.postMessage", count: 3)
                #expect(posts.count == 3)
                let text = allText(posts.last?.body["blocks"])
                #expect(text.contains("3 more approvals waiting for you"))
                // Exactly the three that got no card (deliveries run in parallel, so which two got one varies).
                let amounts = (100..<105).map { "*\($0).00 USD*" }
                let carded = amounts.filter { amount in posts.prefix(2).contains { allText($0.body["blocks"]).contains(amount) } }
                #expect(carded.count == 2)
                #expect(amounts.filter { text.contains($0) } == amounts.filter { !carded.contains($0) })
            }
        }
    }
}
