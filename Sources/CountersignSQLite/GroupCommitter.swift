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
    private struct State {
        var queue: [any Job] = []
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

    /// Runs `work` in a shared transaction and returns once that transaction is committed. The
    /// transaction runs to completion even if the caller is cancelled, so a client that goes away
    /// never fails the other requests in its batch.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let start = state.withLock { state -> Bool in
                state.queue.append(TypedJob(work: work, continuation: continuation))
                guard !state.inFlight else { return false }
                state.inFlight = true
                return true
            }
            if start { startTransaction() }
        }
    }

    /// All jobs in one transaction, with no savepoint: SQLite then keeps no sub-journal (which
    /// spills to a temporary file once a batch touches 64 KiB of pages). Returns `false` if a job
    /// threw: the transaction rolled back, and the batch must run again isolated.
    private static func runTogether(_ jobs: [any Job], _ db: Database) throws -> Bool {
        var committed = false
        try db.inTransaction(.immediate) {
            do {
                for job in jobs { try job.run(db) }
            } catch {
                return .rollback
            }
            committed = true
            return .commit
        }
        return committed
    }

    /// Each job in its own savepoint of one transaction: a failing job rolls back only itself.
    private static func runIsolated(_ jobs: [any Job], _ db: Database) throws {
        try db.inTransaction(.immediate) {
            for job in jobs {
                do {
                    try db.inSavepoint {
                        try job.run(db)
                        return .commit
                    }
                } catch {
                    job.keep(failure: error)
                }
            }
            return .commit
        }
    }

    /// Takes the queued jobs (up to the batch limit) and runs them in one transaction.
    private func startTransaction() {
        let jobs = state.withLock { state in
            let count = min(state.queue.count, maximumBatch)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        writer.asyncWriteWithoutTransaction { db in
            // Optimistically all together; if any job throws, that transaction rolls back and the
            // batch runs again with one savepoint per job. A failure to begin or commit (disk
            // full, I/O error) fails every job: nothing of that transaction was committed.
            do {
                if try !Self.runTogether(jobs, db) { try Self.runIsolated(jobs, db) }
                for job in jobs { job.resume() }
            } catch {
                for job in jobs { job.resume(throwing: error) }
            }
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

/// One caller's write. It may run twice (when its first batch rolled back); its caller is resumed
/// once, after the commit, with the result of its last run.
private protocol Job: AnyObject, Sendable {
    /// Runs the work and keeps its result; rethrows the work's error, so the batch can roll back.
    func run(_ db: Database) throws
    /// Records that the job's savepoint failed after the work itself succeeded.
    func keep(failure: any Error)
    /// Hands the caller the kept result.
    func resume()
    func resume(throwing error: any Error)
}

/// A job whose result keeps its type: no boxing, no cast on the way back.
private final class TypedJob<T: Sendable>: Job, @unchecked Sendable {
    // `result` is touched only on the database's writer queue, one transaction at a time.
    private let work: @Sendable (Database) throws -> T
    private let continuation: CheckedContinuation<T, any Error>
    private var result: Result<T, any Error>?

    init(work: @escaping @Sendable (Database) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.work = work
        self.continuation = continuation
    }

    func run(_ db: Database) throws {
        do {
            result = .success(try work(db))
        } catch {
            result = .failure(error)
            throw error
        }
    }

    func keep(failure: any Error) {
        if case .success = result { result = .failure(failure) }
    }

    func resume() { continuation.resume(with: result ?? .failure(CancellationError())) }

    func resume(throwing error: any Error) { continuation.resume(throwing: error) }
}
