import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CountersignServer

/// Issue 17, item 5: `POST /v1/approvals/decisions` decides up to 100 approvals, each on its own
/// (authorised, checked, audited, in its own transaction); refused items say why and change
/// nothing; on both engines.
@Suite struct BatchDecisionTests {
    static func propose(_ client: some TestClientProtocol, count: Int, amount: Int = 120) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            // One subject each: more pending approvals for one subject would escalate (approvals.per_subject).
            let body = heldRefundJSON(key: "batch-\(UUID().uuidString)", amount: amount).replacingOccurrences(
                of: #""subject":"c-1""#, with: #""subject":"c-\#(index)""#)
            let held = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: body)
            ids.append(try #require(held.json[path: "approval", "id"] as? String, "\(held.json)"))
        }
        return ids
    }

    static func items(_ ids: [String], _ decision: String) -> String {
        "[" + ids.map { #"{"id":"\#($0)","decision":"\#(decision)","comment":"in bulk"}"# }.joined(separator: ",") + "]"
    }

    @Test(arguments: StoreKind.allCases)
    func aHundredDecisionsWhereSomeAreRefusedEachSayWhy(on kind: StoreKind) async throws {
        try await withServer(on: kind, policy: WhoMayDecideTests.fourEyes) { client, parts in
            let ids = try await Self.propose(client, count: 96)
            let big = try await Self.propose(client, count: 1, amount: 2500)  // four eyes
            _ = try await parts.gateway.decide(approvalID: ids[0], .reject, comment: nil, by: .approver("dave", .unlimited))
            var items = Self.items(ids, "approve").dropLast()  // 96 approvals, one of them decided already
            items += #","# + #"{"id":"\#(big[0])","decision":"approve"}"#  // the first of two approvals
            items += #",{"id":"no-such-approval","decision":"approve"}"#
            items += #",{"id":"\#(ids[1])","decision":"maybe"}"#
            items += #",{"decision":"approve"}]"#
            let answer = try await client.call(.post, "/v1/approvals/decisions", secret: Secrets.alice, body: #"{"items":\#(items)}"#)
            #expect(answer.status == .ok)
            let results = try #require(answer.json["results"] as? [[String: Any]])
            #expect(results.count == 100)
            #expect(results.prefix(96).compactMap { $0["id"] as? String } == ids)
            #expect(results[0]["status"] as? Int == 409)
            #expect((results[0]["error"] as? [String: Any])?["code"] as? String == "not_pending")
            // ids[1] was approved by its first item; its second item (an unknown decision) is refused alone.
            #expect(results[1..<96].allSatisfy { ($0["approval"] as? [String: Any])?["status"] as? String == "approved" })
            #expect((results[96]["approval"] as? [String: Any])?["status"] as? String == "pending")
            #expect((results[96]["approval"] as? [String: Any])?["first_approved_by"] as? String == "alice")
            #expect(results[97]["status"] as? Int == 404)
            #expect((results[98]["error"] as? [String: Any])?["code"] as? String == "invalid_decision")
            #expect(results[99]["status"] as? Int == 422 && results[99]["id"] is NSNull)
            #expect(answer.json["decided"] as? Int == 96)
            #expect(answer.json["refused"] as? Int == 4)
            // Each decision is its own audit entry, with the comment.
            let decisions = try await parts.gateway.store.auditEntries(after: 0, limit: 1000).filter { $0.event.kind == "decision" }
            #expect(decisions.filter { $0.event.actor == "alice" }.count == 96)
            #expect(try await AuditVerifier.verify(parts.gateway.store).firstBreak == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func whoMayDecideIsCheckedPerItem(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let ids = try await Self.propose(client, count: 2)
            // carol may decide read_only actions only: every item is refused, nothing changes.
            let refused = try await client.call(
                .post, "/v1/approvals/decisions", secret: Secrets.limited, body: #"{"items":\#(Self.items(ids, "approve"))}"#)
            #expect(refused.status == .ok)
            #expect((refused.json["results"] as? [[String: Any]])?.allSatisfy { $0["status"] as? Int == 403 } == true)
            // The proposer may not decide its own, even through a batch.
            let own = try await client.call(
                .post, "/v1/approvals/decisions", secret: Secrets.selfApprover, body: #"{"items":\#(Self.items(ids, "approve"))}"#)
            #expect(
                (own.json["results"] as? [[String: Any]])?.allSatisfy { ($0["error"] as? [String: Any])?["code"] as? String == "not_allowed" } == true
            )
            for id in ids { #expect(try await client.approvalStatus(id) == "pending") }
            let agent = try await client.call(
                .post, "/v1/approvals/decisions", secret: Secrets.agent, body: #"{"items":\#(Self.items(ids, "approve"))}"#)
            #expect(agent.status == .forbidden && agent.json.errorCode == "approvers_only")
        }
    }

    @Test(arguments: [
        #"{"items":[]}"#, #"{"items":{}}"#, #"{}"#, #"{"items":[{"id":"x","decision":"approve"}],"all":true}"#,
        #"{"items":\#("[" + Array(repeating: #"{"id":"x","decision":"approve"}"#, count: 101).joined(separator: ",") + "]")}"#,
    ])
    func aBodyThatIsNotABatchIs422(body: String) async throws {
        try await withServer { client, _ in
            let answer = try await client.call(.post, "/v1/approvals/decisions", secret: Secrets.alice, body: body)
            #expect(answer.status == .unprocessableContent)
            #expect(answer.json.errorCode == "invalid_decision")
        }
    }
}
