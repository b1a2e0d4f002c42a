import CountersignCore
import CountersignGateway
import CountersignStore
import Foundation
import GRDB
import Testing

@testable import CountersignSQLite

/// The hash chain detects every kind of tampering with the stored log.
@Suite struct AuditChainTests {
    func storeWithActivity() async throws -> SQLiteStore {
        let gateway = try await makeGateway(.sqlite)
        for index in 0..<5 {
            let id = try #require(try await gateway.propose(heldRefund("k-\(index)", subject: "c-\(index)"), by: agent).view.approval?.id)
            _ = try await gateway.decide(approvalID: id, .approve, comment: nil, by: alice)
        }
        return try #require(gateway.store as? SQLiteStore)
    }

    @Test func anUntouchedChainVerifies() async throws {
        let store = try await storeWithActivity()
        let report = try await AuditVerifier.verify(store, pageSize: 3)
        #expect(report.verified == 10)
        #expect(report.firstBreak == nil)
    }

    @Test(arguments: [
        ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 4", Int64(4)),
        ("UPDATE audit_log SET data = '{\"decision\":\"reject\",\"status\":\"rejected\"}' WHERE seq = 6", 6),
        ("UPDATE audit_log SET at = at + 1 WHERE seq = 9", 9),
        ("DELETE FROM audit_log WHERE seq = 5", 6),
        ("UPDATE audit_log SET hash = (CASE WHEN substr(hash, 1, 1) = '0' THEN '1' ELSE '0' END) || substr(hash, 2) WHERE seq = 3", 3),
    ])
    func tamperingIsDetectedAtTheFirstChangedEntry(sql: String, brokenAt: Int64) async throws {
        let store = try await storeWithActivity()
        try await store.pool.write { try $0.execute(sql: sql) }
        let report = try await AuditVerifier.verify(store)
        #expect(report.firstBreak?.sequence == brokenAt)
    }

    @Test func theCanonicalEncodingSortsKeysAndIgnoresMemberOrder() {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let one = AuditEvent(
            kind: "decision", at: at, proposalID: "p", approvalID: "a", actor: "alice",
            data: .object([JSONMember("b", .number("1")), JSONMember("a", .string("x"))]))
        var two = one
        two.data = .object([JSONMember("a", .string("x")), JSONMember("b", .number("1"))])
        #expect(
            AuditChain.hash(previous: AuditChain.genesis, sequence: 1, event: one)
                == AuditChain.hash(previous: AuditChain.genesis, sequence: 1, event: two))
        #expect(
            String(decoding: AuditChain.canonical(sequence: 1, event: one), as: UTF8.self).hasPrefix(
                #"{"actor":"alice","approval_id":"a","at":1800000000000,"data":{"a":"x","b":1}"#))
    }
}
