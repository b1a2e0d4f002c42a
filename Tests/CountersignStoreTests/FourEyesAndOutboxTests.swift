import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

/// Four eyes on large amounts, and messages committed with the change that causes them.
@Suite struct FourEyesAndOutboxTests {
    func fourEyesPolicy() -> Policy {
        var policy = Policy.default
        policy.amounts.dualApprovalOver = 1000
        policy.amounts.escalateOver = nil
        policy.sanity.maxReferenceRatio = nil
        return policy
    }

    @Test(arguments: StoreKind.allCases)
    func overTheLimitTwoDifferentApproversMustApprove(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind, policy: fourEyesPolicy())
        let proposed = try await gateway.propose(heldRefund(amount: 2000), by: agent)
        let id = try #require(proposed.view.approval?.id)
        #expect(proposed.view.approval?.requiredApprovals == 2)

        let first = try await gateway.decide(approvalID: id, .approve, comment: nil, by: alice)
        #expect(first.approval.status == .pending)
        #expect(first.approval.firstApprovedBy == "alice")

        let again = await #expect(throws: GatewayError.self) { try await gateway.decide(approvalID: id, .approve, comment: nil, by: alice) }
        #expect(again?.code.rawValue == "four_eyes")
        #expect(again?.message.contains("alice gave the first approval") == true)

        let second = try await gateway.decide(approvalID: id, .approve, comment: nil, by: bob)
        #expect(second.approval.status == .approved)
        #expect(second.approval.decidedBy == "bob")
        #expect(second.approval.firstApprovedBy == "alice")
        let kinds = try await gateway.store.auditEntries(after: 0, limit: 10).map(\.event.kind)
        #expect(kinds == ["proposal", "decision", "decision"])
    }

    @Test(arguments: StoreKind.allCases)
    func aRejectionEndsAFourEyesApprovalAtOnce(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind, policy: fourEyesPolicy())
        let id = try #require(try await gateway.propose(heldRefund(amount: 2000), by: agent).view.approval?.id)
        _ = try await gateway.decide(approvalID: id, .approve, comment: nil, by: alice)
        let rejected = try await gateway.decide(approvalID: id, .reject, comment: "no", by: bob)
        #expect(rejected.approval.status == .rejected)
    }

    @Test(arguments: StoreKind.allCases)
    func atOrUnderTheLimitOneApprovalIsEnough(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind, policy: fourEyesPolicy())
        let id = try #require(try await gateway.propose(heldRefund(amount: 1000), by: agent).view.approval?.id)
        #expect(try await gateway.decide(approvalID: id, .approve, comment: nil, by: alice).approval.status == .approved)
    }

    @Test(arguments: StoreKind.allCases)
    func aDecisionQueuesTheAgentsWebhookInTheSameCommit(kind: StoreKind) async throws {
        let store = try await kind.make()
        let gateway = Gateway(
            store: store,
            configuration: .init(policy: .default, webhooks: ["support-bot": WebhookTarget(url: "https://agent.example/hook", callbackHosts: [])]))
        let id = try #require(try await gateway.propose(heldRefund(), by: agent).view.approval?.id)
        #expect(try await store.outbox(status: .pending, limit: 10).isEmpty)
        _ = try await gateway.decide(approvalID: id, .reject, comment: "too much", by: alice)
        let queued = try await store.outbox(status: .pending, limit: 10)
        let message = try #require(queued.first)
        #expect(queued.count == 1)
        #expect(message.destination == "https://agent.example/hook")
        #expect(message.owner == "support-bot")
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(message.payload.utf8)) as? [String: Any])
        #expect(payload["type"] as? String == "approval.decided")
        let data = try #require(payload["data"] as? [String: Any])
        #expect(data["approval_id"] as? String == id)
        #expect(data["status"] as? String == "rejected")
        #expect(data["execute"] as? Bool == false)
    }

    @Test(arguments: StoreKind.allCases)
    func aCallbackURLMustPointAtAnAllowedHost(kind: StoreKind) async throws {
        let gateway = Gateway(
            store: try await kind.make(),
            configuration: .init(policy: .default, webhooks: ["support-bot": WebhookTarget(url: nil, callbackHosts: ["hooks.example"])]))
        var proposal = heldRefund()
        proposal.callbackURL = "https://evil.example/steal"
        let error = await #expect(throws: GatewayError.self) { try await gateway.propose(proposal, by: agent) }
        #expect(error?.code.rawValue == "invalid_proposal")
        proposal.callbackURL = "https://hooks.example/cb"
        #expect(try await gateway.propose(proposal, by: agent).created)
        // An agent without a webhook secret may not name a callback at all.
        var other = heldRefund()
        other.agent = "billing-bot"
        other.callbackURL = "https://hooks.example/cb"
        await #expect(throws: GatewayError.self) { try await gateway.propose(other, by: .agent("billing-bot")) }
    }

    @Test(arguments: StoreKind.allCases)
    func claimedMessagesAreLeasedRetriedWithBackoffAndDeclaredDead(kind: StoreKind) async throws {
        let store = try await kind.make()
        let gateway = Gateway(
            store: store,
            configuration: .init(policy: .default, webhooks: ["support-bot": WebhookTarget(url: "https://a.example/h", callbackHosts: [])]))
        let id = try #require(try await gateway.propose(heldRefund(), by: agent).view.approval?.id)
        _ = try await gateway.decide(approvalID: id, .approve, comment: nil, by: alice)
        let now = Date()
        let claimed = try await store.claimOutbox(now: now, limit: 10, lease: 60)
        #expect(claimed.count == 1 && claimed[0].attempts == 1)
        // Leased: a second claim (another dispatcher, or after a crash before the lease ends) gets nothing.
        #expect(try await store.claimOutbox(now: now, limit: 10, lease: 60).isEmpty)
        // After the lease, it is claimed again, with the same id.
        let again = try await store.claimOutbox(now: now.addingTimeInterval(61), limit: 10, lease: 60)
        #expect(again.map(\.id) == claimed.map(\.id))
        try await store.failOutbox(id: claimed[0].id, error: "503", retryAt: nil)
        #expect(try await store.outbox(status: .dead, limit: 10).map(\.id) == [claimed[0].id])
        try await gateway.retryOutbox(id: claimed[0].id, by: alice)
        #expect(try await store.outbox(status: .pending, limit: 10).first?.attempts == 0)
        // Backoff doubles, with jitter, up to the cap.
        let configuration = OutboxDispatcher.Configuration(initialDelay: 1, maximumDelay: 60)
        #expect((0.8...1.2).contains(OutboxDispatcher.delay(afterAttempts: 1, configuration)))
        #expect((6.4...9.6).contains(OutboxDispatcher.delay(afterAttempts: 4, configuration)))
        #expect((48...72).contains(OutboxDispatcher.delay(afterAttempts: 30, configuration)))
    }
}
