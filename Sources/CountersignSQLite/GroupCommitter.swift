import GRDB
import Synchronization

/// Shares commits between concurrent writers. Each write is a job run in its own savepoint; the
/// jobs waiting when a transaction starts all go into it, so N concurrent requests cost one
/// commit (one fsync) instead of N. A job that throws rolls back only its own savepoint.
///
/// No background task: the caller that finds no batch running leads one, in its own task, and
/// hands the lead to the next waiting caller when it is done.
final class GroupCommitter: Sendable {
    private struct Job: Sendable {
        let work: @Sendable (Database) throws -> any Sendable
        let continuation: CheckedContinuation<Ticket, Never>
    }

    private enum Ticket: Sendable {
        case done(Result<any Sendable, any Error>)
        case lead
    }

    private struct State {
        var queue: [Job] = []
        var leading = false
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
    /// committed.
    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let own: @Sendable (Database) throws -> any Sendable = { try work($0) }
        let ticket = await withCheckedContinuation { (continuation: CheckedContinuation<Ticket, Never>) in
            state.withLock { state in
                if state.leading {
                    state.queue.append(Job(work: own, continuation: continuation))
                } else {
                    state.leading = true
                    continuation.resume(returning: .lead)
                }
            }
        }
        let result: Result<any Sendable, any Error>
        switch ticket {
        case .done(let done): result = done
        case .lead: result = await lead(own)
        }
        return try result.get() as! T
    }

    /// Runs one transaction with the leader's job and every job waiting, then passes the lead on.
    private func lead(_ own: @escaping @Sendable (Database) throws -> any Sendable) async -> Result<any Sendable, any Error> {
        let followers = state.withLock { state in
            let count = min(state.queue.count, maximumBatch - 1)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        let works = [own] + followers.map(\.work)
        // The callback form runs to completion even if the leading request is cancelled, so a
        // client that goes away never fails the other requests in its batch.
        let outcome: Result<[Result<any Sendable, any Error>], any Error> = await withCheckedContinuation { continuation in
            writer.asyncWrite(
                { db in
                    works.map { work in
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
                }, completion: { _, result in continuation.resume(returning: result) })
        }
        let results: [Result<any Sendable, any Error>]
        switch outcome {
        case .success(let each): results = each
        // The transaction itself failed (disk full, I/O error): nothing of it was committed.
        case .failure(let error): results = works.map { _ in .failure(error) }
        }
        for (follower, result) in zip(followers, results.dropFirst()) {
            follower.continuation.resume(returning: .done(result))
        }
        state.withLock { state in
            if state.queue.isEmpty {
                state.leading = false
            } else {
                state.queue.removeFirst().continuation.resume(returning: .lead)
            }
        }
        return results[0]
    }
}
