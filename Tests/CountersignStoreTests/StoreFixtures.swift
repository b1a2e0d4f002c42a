import CountersignCore
import CountersignGateway
import CountersignPostgres
import CountersignSQLite
import CountersignStore
import Foundation
import Synchronization
import Testing

/// The store engines the conformance suite runs against: SQLite always, PostgreSQL whenever
/// `POSTGRES_HOSTNAME`, `POSTGRES_PORT`, `POSTGRES_USER`, `POSTGRES_PASSWORD` and `POSTGRES_DB`
/// name a server (each test then gets a fresh schema, so tests run in parallel).
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var allCases: [StoreKind] { TestPostgres.url == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }

    /// A fresh, migrated store of this kind.
    func make() async throws -> any GatewayStore {
        switch self {
        case .sqlite:
            let path = NSTemporaryDirectory() + "countersign-test-\(UUID().uuidString).db"
            let store = try SQLiteStore(configuration: .init(path: path))
            try await store.migrate()
            return store
        case .postgres:
            guard let url = TestPostgres.url else { throw TestPostgres.Unavailable() }
            let store = try PostgresStore(
                configuration: .init(url: url, schema: TestPostgres.freshSchema(), maximumConnections: 8, leaseTimeout: TestPostgres.leaseTimeout))
            // The pool runs for the rest of the test process; each test's schema is left behind in
            // the throwaway database.
            Task { try await store.run() }
            try await store.migrate()
            return store
        }
    }
}

/// The test server named by the postgres-nio convention's environment variables.
enum TestPostgres {
    struct Unavailable: Error {}

    static let url: PostgresURL? = {
        let environment = ProcessInfo.processInfo.environment
        guard let host = environment["POSTGRES_HOSTNAME"], let user = environment["POSTGRES_USER"], let database = environment["POSTGRES_DB"]
        else { return nil }
        return PostgresURL(
            host: host, port: environment["POSTGRES_PORT"].flatMap(Int.init) ?? 5432, user: user, password: environment["POSTGRES_PASSWORD"],
            database: database)
    }()

    /// Tests that are not about outages wait for connections as long as a loaded machine may need
    /// (many concurrent writers share 8 connections); the outage tests set their own short waits.
    static let leaseTimeout: Duration = .seconds(60)

    static func freshSchema() -> String { "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }
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
