import CountersignCore
import CountersignTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Who may decide, through the HTTP API: four eyes, approver limits, self-approval.
@Suite struct WhoMayDecideTests {
    static var fourEyes: Policy {
        var policy = Policy.default
        policy.amounts.dualApprovalOver = 1000
        policy.amounts.escalateOver = nil
        return policy
    }

    @Test(arguments: StoreKind.allCases) func fourEyesNeedTwoDifferentApprovers(on kind: StoreKind) async throws {
        try await withServer(on: kind, policy: Self.fourEyes) { client, _ in
            let proposed = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON(amount: 2500))
            let id = try #require(proposed.json[path: "approval", "id"] as? String)
            let first = try await client.call(.post, "/v1/approvals/\(id)/decision", secret: Secrets.alice, body: #"{"decision":"approve"}"#)
            #expect(first.status == .ok)
            #expect(first.json["status"] as? String == "pending")
            #expect(first.json["required_approvals"] as? Int == 2)
            #expect(first.json["first_approved_by"] as? String == "alice")
            let same = try await client.call(.post, "/v1/approvals/\(id)/decision", secret: Secrets.alice, body: #"{"decision":"approve"}"#)
            #expect(same.status == .forbidden)
            #expect(same.json.errorCode == "four_eyes")
            let second = try await client.call(.post, "/v1/approvals/\(id)/decision", secret: Secrets.dave, body: #"{"decision":"approve"}"#)
            #expect(second.status == .ok)
            #expect(second.json["status"] as? String == "approved")
            #expect(second.json["decided_by"] as? String == "dave")
        }
    }

    @Test(arguments: StoreKind.allCases) func nobodyDecidesWhatTheyProposed(on kind: StoreKind) async throws {
        try await withServer(on: kind) { client, _ in
            let proposed = try await client.call(.post, "/v1/proposals", secret: Secrets.agent, body: heldRefundJSON())
            let id = try #require(proposed.json[path: "approval", "id"] as? String)
            let response = try await client.call(
                .post, "/v1/approvals/\(id)/decision", secret: Secrets.selfApprover, body: #"{"decision":"approve"}"#)
            #expect(response.status == .forbidden)
            #expect(response.json.errorCode == "not_allowed")
            #expect((response.json[path: "error", "message"] as? String)?.contains("proposed") == true)
        }
    }
}
