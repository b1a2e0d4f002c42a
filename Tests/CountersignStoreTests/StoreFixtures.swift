import CountersignCore
import CountersignGateway
import CountersignPostgres
import CountersignSQLite
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

/// A gateway on a fresh store with a hand-moved clock.
func makeGateway(_ kind: StoreKind, policy: Policy = .default, clock: TestClock = TestClock()) async throws -> Gateway {
    Gateway(store: try await kind.make(), configuration: .init(policy: policy), now: { clock.now })
}

let agent = Principal.agent("support-bot")
let alice = Principal.approver("alice", .unlimited)
let bob = Principal.approver("bob", .unlimited)

/// A refund held for approval (confidence 0.9 is below financial's notify threshold).
func heldRefund(_ key: String? = nil, amount: Decimal = 120, subject: String = "customer-1", timeout: Double? = nil) -> Proposal {
    Proposal(
        idempotencyKey: key, agent: "support-bot", operation: "refund", confidence: 0.9, amount: amount, subject: subject,
        action: "Refund order A-1", timeoutSeconds: timeout)
}
