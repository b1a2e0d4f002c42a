import GRDB
import Synchronization

/// Shares commits between concurrent writers. The jobs waiting when a transaction starts all go
/// into it, so N concurrent requests cost one commit (one fsync) instead of N. A job that throws
/// undoes only itself: the batch then runs again with one savepoint per job.
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

    /// What one transaction did to its jobs.
    private typealias Results = [Result<any Sendable, any Error>]

    /// All jobs in one transaction, with no savepoint: SQLite then keeps no sub-journal (which
    /// spills to a temporary file once a batch touches 64 KiB of pages). If a job throws, the
    /// transaction rolls back and `nil` is returned, so that the batch can run again isolated.
    private static func runTogether(_ works: [@Sendable (Database) throws -> any Sendable], _ db: Database) throws -> Results? {
        var results: Results? = nil
        try db.inTransaction(.immediate) {
            var values: Results = []
            values.reserveCapacity(works.count)
            do {
                for work in works { values.append(.success(try work(db))) }
            } catch {
                return .rollback
            }
            results = values
            return .commit
        }
        return results
    }

    /// Each job in its own savepoint of one transaction: a failing job rolls back only itself.
    private static func runIsolated(_ works: [@Sendable (Database) throws -> any Sendable], _ db: Database) throws -> Results {
        var results: Results = []
        try db.inTransaction(.immediate) {
            results = works.map { work -> Result<any Sendable, any Error> in
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
            return .commit
        }
        return results
    }

    /// Takes the queued jobs (up to the batch limit) and runs them in one transaction.
    private func startTransaction() {
        let jobs = state.withLock { state in
            let count = min(state.queue.count, maximumBatch)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        let works = jobs.map(\.work)
        writer.asyncWriteWithoutTransaction { db in
            // Optimistically all together; if any job throws, that transaction rolls back and the
            // batch runs again with one savepoint per job. A failure to begin or commit (disk
            // full, I/O error) fails every job: nothing of that transaction was committed.
            let outcome: Results
            do {
                outcome = try Self.runTogether(works, db) ?? Self.runIsolated(works, db)
            } catch {
                outcome = Array(repeating: .failure(error), count: jobs.count)
            }
            for (job, result) in zip(jobs, outcome) { job.continuation.resume(with: result) }
            let more = self.state.withLock { state -> Bool in
                if state.queue.isEmpty {
                    state.inFlight = false
                    return false
                }
                return true
            }
            if more { self.startTransaction() }
        }
    }
}
