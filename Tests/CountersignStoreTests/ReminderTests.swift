import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

/// Issue 17, item 6: `approvals.remind_before` reminds a pending approval's approvers once, before
/// the deadline, on their channels, and the audit log says so; on both engines, with a test clock.
@Suite struct ReminderTests {
    /// alice (Slack and email) is asked first; bob (SMS) after a 20-minute wait.
    static func gateway(_ kind: StoreKind, remindBefore: TimeInterval? = 600, clock: TestClock) async throws -> Gateway {
        var policy = Policy.default
        policy.approvals.remindBefore = remindBefore
        let router = NotificationRouter(
            routing: Routing(routes: [
                Routing.Route(steps: [Routing.Step(approvers: ["alice"], wait: 1200), Routing.Step(approvers: ["bob"])])
            ]),
            recipients: [
                .init(name: "alice", rights: .unlimited, channels: [.slack, .email]), .init(name: "bob", rights: .unlimited, channels: [.sms]),
            ],
            enabledChannels: [.slack, .email, .sms])
        return Gateway(store: try await kind.make(), configuration: .init(policy: policy, router: router), now: { clock.now })
    }

    static func pendingOutbox(_ gateway: Gateway) async throws -> [OutboxMessage] {
        try await gateway.store.outbox(status: .pending, limit: 1000)
    }

    @Test(arguments: StoreKind.allCases)
    func theTimerIsQueuedWithTheProposalDueBeforeTheDeadline(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await Self.gateway(kind, clock: clock)
        let held = try await gateway.propose(heldRefund(), by: agent).view
        let approval = try #require(held.approval)
        let timer = try #require(try await Self.pendingOutbox(gateway).first { $0.kind == ChannelMessages.reminderKind })
        #expect(timer.destination == approval.id)
        #expect(timer.nextAttemptAt == approval.deadline.addingTimeInterval(-600))
        // A proposal whose own timeout is shorter than remind_before gets no reminder.
        let short = try await gateway.propose(heldRefund(timeout: 300), by: agent).view
        let timers = try await Self.pendingOutbox(gateway).filter { $0.kind == ChannelMessages.reminderKind }
        #expect(timers.map(\.destination) == [approval.id])
        #expect(short.approval != nil)
        // Without remind_before, none at all.
        let quiet = try await Self.gateway(kind, remindBefore: nil, clock: clock)
        _ = try await quiet.propose(heldRefund(), by: agent)
        #expect(try await Self.pendingOutbox(quiet).allSatisfy { $0.kind != ChannelMessages.reminderKind })
    }

    @Test(arguments: StoreKind.allCases)
    func theApproversAskedSoFarAreRemindedOnceEachAndTheAuditSaysSo(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await Self.gateway(kind, clock: clock)
        let id = try #require(try await gateway.propose(heldRefund(), by: agent).view.approval?.id)
        // 20 minutes in (30-minute timeout, 10 minutes before the deadline): only alice was asked.
        clock.advance(1200)
        #expect(try await gateway.remind(approvalID: id) == ["alice"])
        let reminders = try await Self.pendingOutbox(gateway).filter { $0.id.hasPrefix("remind_\(id)_") }
        #expect(Set(reminders.map(\.kind)) == ["slack", "email"])
        #expect(reminders.allSatisfy { $0.destination == "alice" && $0.payload.contains(#""event":"reminder""#) })
        // A timer delivered twice queues the same messages once.
        _ = try await gateway.remind(approvalID: id)
        #expect(try await Self.pendingOutbox(gateway).filter { $0.id.hasPrefix("remind_\(id)_") }.count == 2)
        let entries = try await gateway.store.auditEntries(after: 0, limit: 100).filter { $0.event.kind == "reminder" }
        #expect(entries.first?.event.actor == "system")
        #expect(entries.first?.event.approvalID == id)
        #expect(entries.count == 1, "a timer delivered twice reminds, and is recorded, once")
        #expect(entries.first?.event.data["approvers"] == .array([.string("alice")]))
        #expect(try await AuditVerifier.verify(gateway.store).firstBreak == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func aDecidedOrOverdueApprovalIsNotReminded(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await Self.gateway(kind, clock: clock)
        let decided = try #require(try await gateway.propose(heldRefund("a"), by: agent).view.approval?.id)
        let overdue = try #require(try await gateway.propose(heldRefund("b", subject: "customer-2"), by: agent).view.approval?.id)
        _ = try await gateway.decide(approvalID: decided, .approve, comment: nil, by: alice)
        #expect(try await gateway.remind(approvalID: decided).isEmpty)
        clock.advance(1801)
        #expect(try await gateway.remind(approvalID: overdue).isEmpty)
        #expect(try await Self.pendingOutbox(gateway).allSatisfy { !$0.id.hasPrefix("remind_\(decided)_") && !$0.id.hasPrefix("remind_\(overdue)_") })
        #expect(try await gateway.store.auditEntries(after: 0, limit: 100).allSatisfy { $0.event.kind != "reminder" })
    }
}
