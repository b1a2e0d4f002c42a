import CountersignCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// Escalation chains: when nobody answers a step within its wait, the next step is notified; an
/// answer in time stops the chain.
@Suite struct EscalationChainTests {
    static let chain = Routing(routes: [
        .init(match: .init(operations: ["refund"]), steps: [.init(approvers: ["alice"], wait: 1), .init(approvers: ["bob"], channels: [.slack])])
    ])

    @Test func theNextStepIsNotifiedWhenNobodyAnswers() async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(slackURL: baseURL, routing: Self.chain) { client, _ in
                let started = Date()
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON())
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                let first = try await slack.waitFor("/api/chat.postMessage", count: 1)
                #expect(first.map { $0.body["channel"] as? String } == ["U0ALICE"])
                let both = try await slack.waitFor("/api/chat.postMessage", count: 2)
                #expect(both.map { $0.body["channel"] as? String } == ["U0ALICE", "U0BOB"])
                #expect(Date().timeIntervalSince(started) >= 1)
                // Bob, the second step, decides; both cards then show it.
                let click = SlackClick(user: "U0BOB", action: "approve", approvalID: approvalID, responseURL: baseURL + "/response/1")
                #expect(try await client.click(click).status == .ok)
                let updates = try await slack.waitFor("/api/chat.update", count: 2)
                #expect(Set(updates.map { $0.body["channel"] as? String }) == ["D0ALICE", "D0BOB"])
            }
        }
    }

    @Test func anAnswerInTimeStopsTheChain() async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(slackURL: baseURL, routing: Self.chain) { client, parts in
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON())
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                _ = try await slack.waitFor("/api/chat.postMessage", count: 1)
                let decided = try await client.call(
                    .post, "/v1/approvals/\(approvalID)/decision", secret: Secrets.alice, body: #"{"decision":"approve"}"#)
                #expect(decided.status == .ok)
                try await Task.sleep(for: .milliseconds(1800))
                #expect(slack.requests("/api/chat.postMessage").map { $0.body["channel"] as? String } == ["U0ALICE"])
                // The timer itself was delivered (it found nothing left to do), not left pending.
                let pending = try await parts.gateway.store.outbox(status: .pending, limit: 10)
                #expect(pending.isEmpty, "\(pending)")
            }
        }
    }
}
