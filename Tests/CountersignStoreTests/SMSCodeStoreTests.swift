import CountersignCore
import CountersignGateway
import CountersignSQLite
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

/// SMS codes (one approver, one approval, never shared while held) and handled inbound texts
/// (each once, kept), on every engine.
@Suite struct SMSCodeStoreTests {
    @Test(arguments: StoreKind.allCases)
    func aCodeIsBoundToOneApproverAndOneApprovalAndNeverShared(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        var ids: [String] = []
        for key in ["a", "b", "c"] { ids.append(try #require(try await gateway.propose(heldRefund(key), by: agent).view.approval?.id)) }
        // The first free candidate is taken; a held one is skipped; none free gives nil.
        #expect(try await gateway.assignSMSCode(approvalID: ids[0], approver: "alice", candidates: ["111111", "222222"]) == "111111")
        #expect(try await gateway.assignSMSCode(approvalID: ids[1], approver: "alice", candidates: ["111111", "222222"]) == "222222")
        #expect(try await gateway.assignSMSCode(approvalID: ids[2], approver: "alice", candidates: ["111111", "222222"]) == nil)
        // The same approval keeps its code, whatever the candidates (a card sent again).
        #expect(try await gateway.assignSMSCode(approvalID: ids[0], approver: "alice", candidates: ["333333"]) == "111111")
        // Another approver's codes are their own.
        #expect(try await gateway.assignSMSCode(approvalID: ids[1], approver: "bob", candidates: ["111111"]) == "111111")
        #expect(try await gateway.approvalID(smsCode: "111111", approver: "alice") == ids[0])
        #expect(try await gateway.approvalID(smsCode: "111111", approver: "bob") == ids[1])
        #expect(try await gateway.approvalID(smsCode: "222222", approver: "bob") == nil)
        #expect(try await gateway.approvalID(smsCode: "999999", approver: "alice") == nil)

        // Decided or expired, an approval still holds its code until well past its deadline, so a
        // late reply cannot reach another approval; only then is the code given again.
        _ = try await gateway.decide(approvalID: ids[0], .approve, comment: nil, by: alice)
        #expect(try await gateway.assignSMSCode(approvalID: ids[2], approver: "alice", candidates: ["111111"]) == nil)
        clock.advance(3600 + Gateway.smsCodeHold + 1)
        #expect(try await gateway.assignSMSCode(approvalID: ids[2], approver: "alice", candidates: ["111111"]) == "111111")
        #expect(try await gateway.approvalID(smsCode: "111111", approver: "alice") == ids[2])
    }

    /// Replicas (or tasks) sending cards for many approvals of one approver at once never hand
    /// out one code twice.
    @Test(arguments: StoreKind.allCases)
    func concurrentAssignmentsNeverShareACode(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        var ids: [String] = []
        for index in 0..<24 { ids.append(try #require(try await gateway.propose(heldRefund("k\(index)"), by: agent).view.approval?.id)) }
        let pool = (0..<30).map { String(format: "%06d", $0) }
        let codes = try await withThrowingTaskGroup(of: String?.self) { group in
            for id in ids { group.addTask { try await gateway.assignSMSCode(approvalID: id, approver: "alice", candidates: pool.shuffled()) } }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(codes.allSatisfy { $0 != nil })
        #expect(Set(codes.compactMap { $0 }).count == ids.count)
    }

    @Test(arguments: StoreKind.allCases)
    func anInboundTextIsHandledOnce(kind: StoreKind) async throws {
        let store = try await kind.make()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await store.claimInboundSMS(messageID: "SM0001", at: now))
        #expect(try await store.claimInboundSMS(messageID: "SM0001", at: now.addingTimeInterval(86400)) == false)
        #expect(try await store.claimInboundSMS(messageID: "SM0002", at: now))
    }

    /// The record survives a restart: the same file opened again still knows the text.
    @Test func handledTextsAndCodesSurviveARestart() async throws {
        let path = NSTemporaryDirectory() + "countersign-sms-\(UUID().uuidString).db"
        let first = try SQLiteStore(configuration: .init(path: path))
        try await first.migrate()
        let gateway = Gateway(store: first, configuration: .init(policy: .default))
        let id = try #require(try await gateway.propose(heldRefund(), by: agent).view.approval?.id)
        #expect(try await gateway.assignSMSCode(approvalID: id, approver: "alice", candidates: ["123456"]) == "123456")
        #expect(try await first.claimInboundSMS(messageID: "SM-restart", at: Date()))

        let second = try SQLiteStore(configuration: .init(path: path))
        try await second.migrate()
        #expect(try await second.claimInboundSMS(messageID: "SM-restart", at: Date()) == false)
        #expect(try await second.smsCodeApproval(approver: "alice", code: "123456") == id)
    }
}
