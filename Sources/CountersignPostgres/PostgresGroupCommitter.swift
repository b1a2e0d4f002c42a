import Logging
import PostgresNIO
import Synchronization

/// Shares transactions between this replica's concurrent writes, as SQLite's group committer
/// does: the writes queued while a transaction runs all go into the next one, so N concurrent
/// requests cost one commit and one turn at the audit chain's head lock instead of N.
///
/// One batch is in flight per replica, so a replica's writes see each other in order (the
/// stateful rules read exact histories); batches of different replicas run side by side and
/// queue only to append to the audit chain (see `PostgresWriteBatch`). The writes of a batch run
/// one after another, first all together; should one of them fail, that transaction rolls back
/// and the batch runs again with a savepoint per write, so a failing write undoes only itself.
/// A write PostgreSQL chose as a deadlock victim (two replicas locking the same rows in opposite
/// orders) runs again in the next batch. A write that returns has been committed.
final class PostgresGroupCommitter: Sendable {
    typealias Work = @Sendable (PostgresWriteBatch) async throws -> any Sendable
    /// Lends a pooled connection to `body` (the store's bounded lease).
    typealias Lease =
        @Sendable (_ body: @escaping @Sendable (PostgresConnection) async throws -> [Result<any Sendable, any Error>]) async throws ->
        [Result<any Sendable, any Error>]

    private struct Job: Sendable {
        let work: Work
        let continuation: CheckedContinuation<any Sendable, any Error>
        var attempts = 1
    }

    /// How often a deadlock victim is tried before its error is the answer.
    private static let maximumAttempts = 4

    private struct State {
        var queue: [Job] = []
        var inFlight = false
        var statistics = Statistics()
    }

    /// What the committer has done so far: how much sharing there was.
    struct Statistics: Sendable, Equatable {
        var transactions = 0
        var writes = 0
    }

    var statistics: Statistics { state.withLock { $0.statistics } }

    private let lease: Lease
    private let channel: String
    private let origin: String
    private let maximumBatch: Int
    private let state = Mutex(State())

    init(channel: String, origin: String, maximumBatch: Int = 128, lease: @escaping Lease) {
        self.channel = channel
        self.origin = origin
        self.maximumBatch = maximumBatch
        self.lease = lease
    }

    /// Runs `work` in a shared transaction and returns once that transaction has committed. The
    /// transaction runs to the end even if the caller is cancelled, so a client that goes away
    /// never fails the other writes of its batch.
    func write<T: Sendable>(_ work: @escaping @Sendable (PostgresWriteBatch) async throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let start = state.withLock { state -> Bool in
                state.queue.append(Job(work: { try await work($0) }, continuation: continuation))
                guard !state.inFlight else { return false }
                state.inFlight = true
                return true
            }
            if start { Task { await self.drain() } }
        }
        return result as! T
    }

    /// Runs batches until the queue is empty.
    private func drain() async {
        while true {
            let jobs = state.withLock { state -> [Job] in
                let count = min(state.queue.count, maximumBatch)
                if count == 0 { state.inFlight = false }
                if count > 0 {
                    state.statistics.transactions += 1
                    state.statistics.writes += count
                }
                defer { state.queue.removeFirst(count) }
                return Array(state.queue.prefix(count))
            }
            if jobs.isEmpty { return }
            let results = await run(jobs.map(\.work))
            var again: [Job] = []
            for (job, result) in zip(jobs, results) {
                if case .failure(let error) = result, Self.isTransient(error), job.attempts < Self.maximumAttempts {
                    var retry = job
                    retry.attempts += 1
                    again.append(retry)
                } else {
                    job.continuation.resume(with: result)
                }
            }
            if !again.isEmpty { state.withLock { $0.queue.insert(contentsOf: again, at: 0) } }
        }
    }

    /// One transaction for all `works`; their results in order.
    private func run(_ works: [Work]) async -> [Result<any Sendable, any Error>] {
        let channel = channel
        let origin = origin
        do {
            return try await lease { connection in
                do {
                    return try await Self.transaction(connection, works, isolated: false, channel: channel, origin: origin)
                } catch let error where PostgresPool.isConnectionFailure(error) {
                    // The connection is gone: every write of the batch fails (as the store being unavailable).
                    throw error
                } catch {
                    // One write failed (or the commit): alone, that is its answer; in company,
                    // the batch runs again with one savepoint per write.
                    guard works.count > 1 else { return [.failure(error)] }
                    return try await Self.transaction(connection, works, isolated: true, channel: channel, origin: origin)
                }
            }
        } catch {
            // No connection, or the transaction itself failed: none of it was committed.
            return works.map { _ in .failure(error) }
        }
    }

    private static func transaction(
        _ connection: PostgresConnection, _ works: [Work], isolated: Bool, channel: String, origin: String
    ) async throws -> [Result<any Sendable, any Error>] {
        try await connection.run("BEGIN")
        do {
            let batch = PostgresWriteBatch(connection: connection, channel: channel, origin: origin)
            var results: [Result<any Sendable, any Error>] = []
            results.reserveCapacity(works.count)
            for work in works {
                guard isolated else {
                    results.append(.success(try await work(batch)))
                    continue
                }
                let mark = batch.mark()
                try await connection.run("SAVEPOINT write")
                do {
                    results.append(.success(try await work(batch)))
                    try await connection.run("RELEASE SAVEPOINT write")
                } catch {
                    // If the connection itself is gone this throws too, and the batch fails.
                    try await connection.run("ROLLBACK TO SAVEPOINT write")
                    batch.restore(mark)
                    results.append(.failure(error))
                }
            }
            try await batch.flush()
            try await connection.run("COMMIT")
            return results
        } catch {
            try? await connection.run("ROLLBACK")
            throw error
        }
    }

    /// A deadlock victim or a serialization failure: the same write may well succeed if run again.
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }
}
