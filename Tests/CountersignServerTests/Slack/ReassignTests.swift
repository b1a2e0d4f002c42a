import CountersignCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// `POST /v1/approvals/{id}/reassign`: the new target gets a card; audited; refused when it must be.
@Suite struct ReassignTests {
    /// Everything goes to dave first (email only, which this server does not push): nobody is on Slack yet.
    static let routing = Routing(
        groups: ["finance": ["alice", "bob"]], routes: [.init(steps: [.init(approvers: ["dave"])])])

    @Test func reassigningNotifiesTheTargetAndIsAudited() async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(slackURL: baseURL, routing: Self.routing) { client, parts in
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON(amount: 800))
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                // To the finance group: bob's limit is 500, so only alice may decide an 800 refund.
                let reassigned = try await client.call(
                    .post, "/v1/approvals/\(approvalID)/reassign", secret: Secrets.dave,
                    body: #"{"to":{"group":"finance"},"comment":"needs finance"}"#)
                #expect(reassigned.status == .ok)
                #expect(reassigned.json["notified"] as? [String] == ["alice"])
                #expect(reassigned.json[path: "approval", "status"] as? String == "pending")
                let posts = try await slack.waitFor("/api/chat.postMessage", count: 1)
                #expect(posts.map { $0.body["channel"] as? String } == ["U0ALICE"])
                let audit = try await parts.gateway.store.auditEntries(after: 0, limit: 10)
                let entry = try #require(audit.last)
                #expect(entry.event.kind == "reassign" && entry.event.actor == "dave" && entry.event.approvalID == approvalID)
                #expect(entry.event.data["comment"]?.stringValue == "needs finance")
                // Alice decides from the card; the card updates.
                let click = SlackClick(user: "U0ALICE", action: "approve", approvalID: approvalID, responseURL: baseURL + "/response/1")
                #expect(try await client.click(click).status == .ok)
                let updates = try await slack.waitFor("/api/chat.update", count: 1)
                let updated = allText(updates.first?.body["blocks"])
                #expect(updated.contains("*Approved* by *alice*"))
                // Decided: no more reassigning.
                let late = try await client.call(
                    .post, "/v1/approvals/\(approvalID)/reassign", secret: Secrets.dave, body: #"{"to":{"approver":"bob"}}"#)
                #expect(late.status == .conflict && late.json.errorCode == "not_pending")
            }
        }
    }

    @Test(arguments: [
        (Secrets.agent, #"{"to":{"approver":"alice"}}"#, 403, "approvers_only"),
        (SlackSecrets.bob, #"{"to":{"approver":"alice"}}"#, 403, "not_allowed"),
        (Secrets.dave, #"{"to":{"approver":"mallory"}}"#, 422, "unknown_approver"),
        (Secrets.dave, #"{"to":{"group":"ops"}}"#, 422, "unknown_group"),
        (Secrets.dave, #"{"to":{"approver":"bob"}}"#, 422, "not_allowed_target"),
        (Secrets.dave, #"{"to":{"approver":"bob","group":"finance"}}"#, 422, "invalid_reassign"),
        (Secrets.dave, #"{"to":"bob"}"#, 422, "invalid_reassign"),
        (Secrets.dave, #"{"to":{"approver":"alice"},"comment":7}"#, 422, "invalid_reassign"),
        (Secrets.dave, #"{"to":"#, 400, "invalid_json"),
    ])
    func badReassignmentsAreRefused(secret: String, body: String, status: Int, code: String) async throws {
        let slack = SlackStandIn()
        try await slack.run { baseURL in
            try await withSlackServer(slackURL: baseURL, routing: Self.routing) { client, parts in
                let created = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: slackRefundJSON(amount: 800))
                let approvalID = try #require(created.json[path: "approval", "id"] as? String)
                let answer = try await client.call(.post, "/v1/approvals/\(approvalID)/reassign", secret: secret, body: body)
                #expect(Int(answer.status.code) == status)
                #expect(answer.json.errorCode == code)
                #expect(try await parts.gateway.store.auditEntries(after: 0, limit: 10).map(\.event.kind) == ["proposal"])
                #expect(slack.requests("/api/chat.postMessage").isEmpty)
            }
        }
    }
}
