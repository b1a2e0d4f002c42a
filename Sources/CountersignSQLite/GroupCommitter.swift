import GRDB
import Synchronization

/// Shares commits between concurrent writers. Each write is a job run in its own savepoint; the
/// jobs waiting when a transaction starts all go into it, so N concurrent requests cost one
/// commit (one fsync) instead of N. A job that throws rolls back only its own savepoint.
///
/// No background task and no hand-off between tasks: a write that finds no transaction in flight
/// starts one; when a transaction completes (on the database's writer queue), its jobs' callers
/// are resumed and, if more jobs queued meanwhile, the next transaction starts right there.
final class GroupCommitter: Sendable {
    private struct Job: Sendable {
        let work: @Sendable (Database) throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct State {
        var queue: [Job] = []
        var inFlight = false
    }

    private let writer: any DatabaseWriter
    private let state = Mutex(State())
    /// The most jobs one transaction takes.
    private let maximumBatch: Int

    init(writer: any DatabaseWriter, maximumBatch: Int = 256) {
        self.writer = writer
        self.maximumBatch = maximumBatch
    }

    /// Runs `work` in a savepoint of a shared transaction and returns once that transaction is
    /// committed. The transaction runs to completion even if the caller is cancelled, so a client
    /// that goes away never fails the other requests in its batch.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let start = state.withLock { state -> Bool in
                state.queue.append(Job(work: { try work($0) }, continuation: continuation))
                guard !state.inFlight else { return false }
                state.inFlight = true
                return true
            }
            if start { startTransaction() }
        }
        return result as! T
    }

    /// All jobs in one savepoint: the first failure undoes them all (then `runIsolated` runs).
    private static func runTogether(
        _ works: [@Sendable (Database) throws -> any Sendable], _ db: Database
    ) throws
        -> [Result<any Sendable, any Error>]
    {
        var results: [Result<any Sendable, any Error>] = []
        results.reserveCapacity(works.count)
        try db.inSavepoint {
            for work in works { results.append(.success(try work(db))) }
            return .commit
        }
        return results
    }

    /// Each job in its own savepoint: a failing job rolls back only itself.
    private static func runIsolated(
        _ works: [@Sendable (Database) throws -> any Sendable], _ db: Database
    )
        -> [Result<any Sendable, any Error>]
    {
        works.map { work -> Result<any Sendable, any Error> in
            var result: Result<any Sendable, any Error> = .failure(CancellationError())
            do {
                try db.inSavepoint {
                    result = .success(try work(db))
                    return .commit
                }
            } catch {
                result = .failure(error)
            }
            return result
        }
    }

    /// Takes the queued jobs (up to the batch limit) and runs them in one transaction.
    private func startTransaction() {
        let jobs = state.withLock { state in
            let count = min(state.queue.count, maximumBatch)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        let works = jobs.map(\.work)
        writer.asyncWrite(
            { db in
                // Optimistically in one savepoint (two statements fewer per job); if any job fails,
                // that attempt rolls back and the batch runs again with one savepoint per job.
                do {
                    return try Self.runTogether(works, db)
                } catch {
                    return Self.runIsolated(works, db)
                }
            },
            completion: { _, outcome in
                switch outcome {
                case .success(let results):
                    for (job, result) in zip(jobs, results) { job.continuation.resume(with: result) }
                case .failure(let error):
                    // The transaction itself failed (disk full, I/O error): nothing of it was committed.
                    for job in jobs { job.continuation.resume(throwing: error) }
                }
                let more = self.state.withLock { state -> Bool in
                    if state.queue.isEmpty {
                        state.inFlight = false
                        return false
                    }
                    return true
                }
                if more { self.startTransaction() }
            })
    }
}
