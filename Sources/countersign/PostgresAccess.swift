import ArgumentParser
import CountersignPostgres
import CountersignServer

/// The offline commands' `--postgres URL`: a migrated store whose pool runs for the command, with
/// start-up problems (a wrong password, an unreachable server) as the command's own error.
enum PostgresAccess {
    static func withStore<T>(_ url: String, _ body: (PostgresStore) async throws -> T) async throws -> T {
        do {
            return try await ServerRunner.withPostgresStore(url: url, body)
        } catch let error as ServerError {
            throw ValidationError(error.description)
        }
    }

    /// The URL as reports name their source: without the password.
    static func describe(_ url: String) -> String {
        (try? PostgresURL(parsing: url, environment: [:]).description).map { "PostgreSQL \($0)" } ?? "PostgreSQL"
    }
}
