import ArgumentParser
import CountersignServer
import CountersignStore
import Foundation

/// `--db PATH` or `--postgres URL`, shared by the commands that read the server's database
/// (`audit verify`, `report`, `calibrate`), with the one way they open it.
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The server's SQLite database file (default: countersign.db).")
    var db: String?

    @Option(help: "The server's PostgreSQL database URL, instead of --db; the password may come from PGPASSWORD.")
    var postgres: String?

    /// Whether either option was given (`calibrate` reads a history file otherwise).
    var isGiven: Bool { db != nil || postgres != nil }

    /// The SQLite file when no PostgreSQL URL is given.
    var path: String { db ?? "countersign.db" }

    /// The database as reports name their source (a PostgreSQL URL without its password).
    var source: String { postgres.map(PostgresAccess.describe) ?? path }

    /// For the commands that read only the database: one of the two, not both. (`calibrate`
    /// words its own rule, with `--history`.)
    func requireAtMostOne() throws {
        if db != nil && postgres != nil { throw ValidationError("give one of --db PATH and --postgres URL, not both") }
    }

    /// Runs `body` with the store: PostgreSQL with its pool running meanwhile (migrated), or the
    /// SQLite file, which must exist and is only read (a newer `countersign` never changes the
    /// schema under an older server).
    func withStore<T>(_ body: (any GatewayStore) async throws -> T) async throws -> T {
        if let postgres { return try await PostgresAccess.withStore(postgres) { try await body($0) } }
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no database at \(path)") }
        do {
            return try await body(try ServerRunner.openSQLite(path: path))
        } catch let error as ServerError {
            throw ValidationError(error.description)
        }
    }
}
