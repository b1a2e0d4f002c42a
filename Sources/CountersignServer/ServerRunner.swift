import CountersignConfig
import CountersignCore
import CountersignGateway
import CountersignPostgres
import CountersignSQLite
import CountersignStore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// `countersign serve`: opens and migrates the store, sets up credentials, and runs the HTTP server
/// and the deadline timer until SIGTERM or SIGINT, then shuts down gracefully.
public enum ServerRunner {
    /// The trial principals' names, when the configuration names no credential.
    public static let trialAgent = "trial-agent"
    public static let trialApprover = "trial-approver"

    public static func run(configuration: ServerConfiguration, logger: Logger, print: @escaping @Sendable (String) -> Void) async throws {
        if case .postgres(let url) = configuration.database {
            // The pool runs beside the server and stops after it.
            let waits = configuration.databaseWaits
            let store = try PostgresStore(
                configuration: .init(
                    url: try postgresURL(url.revealed), leaseTimeout: .seconds(waits.leaseTimeout), answerTimeout: .seconds(waits.answerTimeout)),
                logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                defer { group.cancelAll() }
                try await migrate(store)
                try await serve(configuration: configuration, store: store, logger: logger, print: print)
            }
            return
        }
        let store = try await openStore(configuration.database)
        try await serve(configuration: configuration, store: store, logger: logger, print: print)
    }

    static func serve(
        configuration: ServerConfiguration, store: any GatewayStore, logger: Logger, print: @escaping @Sendable (String) -> Void
    ) async throws {
        let (credentials, trial) = try await credentials(for: configuration, store: store, print: print)
        let database = describe(configuration.database)
        let (application, _) = try CountersignApplication.build(
            configuration: configuration, store: store, credentials: credentials, logger: logger,
            onServerRunning: { port in
                // New trial credentials are kept and shown only once the socket is bound: a start
                // that fails (the port is taken) neither shows nor keeps any, so the next start
                // shows its own instead of saying they were shown already.
                if let trial {
                    do {
                        try await trial.keep(in: store)
                        print(trial.announcement(host: configuration.http.host, port: port))
                    } catch {
                        print("countersign: could not keep the trial credentials: \(error); they were not shown. Stop and start again.")
                    }
                }
                // Printed once the socket is bound, so whoever reads it can connect at once.
                print("countersign is listening on http://\(configuration.http.host):\(port) (\(database))")
            })
        do {
            try await application.runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            let address = "\(configuration.http.host):\(configuration.http.port)"
            throw ServerError(
                "\(address) is already in use: another countersign, or another program, listens there. "
                    + "Stop it, or start on another port (--port, or http.port in the configuration; --port 0 takes any free one).")
        }
    }

    /// Opens and migrates the configured store.
    public static func openStore(_ database: ServerConfiguration.Database) async throws -> any GatewayStore {
        switch database {
        case .sqlite(let path):
            let store = try openSQLite(path: path)
            do {
                try await store.migrate()
            } catch {
                throw SQLiteOpenProblem.explain(error, path: path, doing: "update the schema of")
            }
            return store
        case .postgres:
            throw ServerError("a PostgreSQL store runs its connection pool: use withPostgresStore")
        }
    }

    /// Opens the SQLite file at `path` (creating it when missing); a failure names the path and
    /// says what to check (``ServerError``), instead of SQLite's bare "unable to open database file".
    public static func openSQLite(path: String) throws(ServerError) -> SQLiteStore {
        do {
            return try SQLiteStore(configuration: .init(path: path))
        } catch {
            throw SQLiteOpenProblem.explain(error, path: path, doing: "open")
        }
    }

    /// Runs `body` with a migrated PostgreSQL store whose connection pool runs meanwhile.
    public static func withPostgresStore<T>(
        url text: String, logger: Logger = Logger(label: "countersign"), _ body: (PostgresStore) async throws -> T
    ) async throws -> T {
        let store = try PostgresStore(configuration: .init(url: try postgresURL(text)), logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            try await migrate(store)
            return try await body(store)
        }
    }

    static func postgresURL(_ text: String) throws -> PostgresURL {
        do {
            return try PostgresURL(parsing: text)
        } catch let error as PostgresURL.Invalid {
            throw ServerError(error.description)
        }
    }

    /// Migrates, or explains why the database could not be reached (without the password).
    static func migrate(_ store: PostgresStore) async throws {
        let url = store.url
        do {
            try await withDeadline(.seconds(30)) {
                try await store.checkConnection()
                try await store.migrate()
            }
        } catch is DeadlineExceeded {
            throw ServerError("PostgreSQL at \(url) did not answer within 30 seconds")
        } catch {
            throw ServerError("PostgreSQL at \(url): \(String(reflecting: error))")
        }
    }

    struct DeadlineExceeded: Error {}

    static func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DeadlineExceeded()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// The credentials the server accepts: the configuration's, or, with none configured, the trial
    /// credentials kept (hashed) in the store. At first start there are none yet: new ones are made
    /// here and returned as `trial`, to be kept and shown once the server listens.
    static func credentials(
        for configuration: ServerConfiguration, store: any GatewayStore, print: @Sendable (String) -> Void
    ) async throws
        -> (accepted: [Authenticator.Credential], trial: TrialCredentials?)
    {
        if configuration.hasCredentials {
            return (
                configuration.agents.map { .init(secret: $0.key, principal: .agent($0.name)) }
                    + configuration.approvers.map { .init(secret: $0.token, principal: .approver($0.name, $0.rights)) },
                nil
            )
        }
        let stored = try await store.credentials()
        if stored.isEmpty {
            let trial = TrialCredentials(agentKey: "cs_agent_" + randomSecret(), approverToken: "cs_approver_" + randomSecret())
            return (trial.stored.compactMap(Self.accepted), trial)
        }
        print(
            """
            Trial credentials were shown at first start (only their hashes are kept, in the database). Lost them? \
            Name your own agents and approvers in a config file (docs/configuration.md), or start over with a new database.
            """)
        return (stored.compactMap(Self.accepted), nil)
    }

    static func accepted(_ credential: StoredCredential) -> Authenticator.Credential? {
        guard let hash = Authenticator.bytes(hex: credential.hash) else { return nil }
        switch credential.role {
        case .agent: return .init(hash: hash, principal: .agent(credential.name))
        case .approver: return .init(hash: hash, principal: .approver(credential.name, .unlimited))
        }
    }

    /// 32 random bytes, base64url without padding.
    static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func describe(_ database: ServerConfiguration.Database) -> String {
        switch database {
        case .sqlite(let path): "SQLite \(path)"
        case .postgres(let url): (try? PostgresURL(parsing: url.revealed, environment: [:]).description).map { "PostgreSQL \($0)" } ?? "PostgreSQL"
        }
    }
}

/// A server start-up problem, explained.
public struct ServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
