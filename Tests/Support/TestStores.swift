import CountersignStore
import Foundation
import PostgresNIO
import Synchronization

@testable import CountersignPostgres
@testable import CountersignSQLite

/// The store engines the suites run against: SQLite always, PostgreSQL whenever
/// `POSTGRES_HOSTNAME`, `POSTGRES_PORT`, `POSTGRES_USER`, `POSTGRES_PASSWORD` and `POSTGRES_DB`
/// name a server (each store then gets a fresh schema, so tests run in parallel).
public enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public static var allCases: [StoreKind] { TestPostgres.url == nil ? [.sqlite] : [.sqlite, .postgres] }

    public var description: String { rawValue }

    /// A fresh, migrated store of this kind whose PostgreSQL pool runs for the rest of the test
    /// process (the store suites; each test's schema is left behind in the throwaway database).
    public func make() async throws -> any GatewayStore {
        switch self {
        case .sqlite: return try await Self.sqlite()
        case .postgres:
            let store = try Self.postgres()
            Task { try await store.run() }
            try await store.migrate()
            return store
        }
    }

    /// Runs `body` with a fresh, migrated store of this kind; a PostgreSQL store's pool runs only
    /// as long as `body` does, so its connections close when the test ends.
    public func with<Value: Sendable>(_ body: @Sendable (any GatewayStore) async throws -> Value) async throws -> Value {
        switch self {
        case .sqlite: return try await body(try await Self.sqlite())
        case .postgres:
            let store = try Self.postgres()
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                defer { group.cancelAll() }
                try await store.migrate()
                return try await body(store)
            }
        }
    }

    private static func sqlite() async throws -> SQLiteStore {
        let store = try SQLiteStore(configuration: .init(path: NSTemporaryDirectory() + "countersign-test-\(UUID().uuidString).db"))
        try await store.migrate()
        return store
    }

    private static func postgres() throws -> PostgresStore {
        guard let url = TestPostgres.url else { throw TestPostgres.Unavailable() }
        return try PostgresStore(
            configuration: .init(url: url, schema: TestPostgres.freshSchema(), maximumConnections: 8, leaseTimeout: TestPostgres.leaseTimeout))
    }
}

/// The test server named by the postgres-nio convention's environment variables.
public enum TestPostgres {
    public struct Unavailable: Error {}

    public static let url: PostgresURL? = {
        let environment = ProcessInfo.processInfo.environment
        guard let host = environment["POSTGRES_HOSTNAME"], let user = environment["POSTGRES_USER"], let database = environment["POSTGRES_DB"]
        else { return nil }
        return PostgresURL(
            host: host, port: environment["POSTGRES_PORT"].flatMap(Int.init) ?? 5432, user: user, password: environment["POSTGRES_PASSWORD"],
            database: database)
    }()

    /// Tests that are not about outages wait for connections as long as a loaded machine may need
    /// (many concurrent writers share 8 connections); the outage tests set their own short waits.
    public static let leaseTimeout: Duration = .seconds(60)

    public static func freshSchema() -> String { "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }
}

/// Runs a statement on the store's own database, as a hand edit (or an older version) would.
public func executeRawSQL(_ sql: String, on store: any GatewayStore) async throws {
    if let sqlite = store as? SQLiteStore {
        try await sqlite.pool.write { try $0.execute(sql: sql) }
    } else if let postgres = store as? PostgresStore {
        try await postgres.client.withConnection { connection in try await connection.run(PostgresQuery(unsafeSQL: sql)) }
    }
}

/// A clock tests move by hand.
public final class TestClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = Mutex(start) }

    public var now: Date { current.withLock { $0 } }

    public func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
