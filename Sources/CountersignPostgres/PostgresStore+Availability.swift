import CountersignStore
import PostgresNIO

/// Health checks on PostgreSQL: a lease and a `SELECT 1`, each bounded by the check's own limit
/// (shorter than the pool's usual waits), so `/healthz` answers within about twice the limit.
extension PostgresStore {
    public func checkAvailable(within limit: Duration) async throws {
        try await client.withConnection(leaseTimeout: limit, answerTimeout: limit) { connection in
            try await connection.run("SELECT 1")
        }
    }
}
