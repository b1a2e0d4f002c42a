import CountersignCore
import CountersignGateway
import CountersignSQLite
import CountersignStore
import Foundation
import Synchronization
import Testing

/// The store engines the conformance suite runs against. PostgreSQL joins when its store lands.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite

    var testDescription: String { rawValue }

    /// A fresh, migrated store of this kind.
    func make() async throws -> any GatewayStore {
        switch self {
        case .sqlite:
            let path = NSTemporaryDirectory() + "countersign-test-\(UUID().uuidString).db"
            let store = try SQLiteStore(configuration: .init(path: path))
            try await store.migrate()
            return store
        }
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

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
