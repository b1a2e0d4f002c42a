import CountersignStore
import Logging
import PostgresNIO
import Synchronization

/// postgres-nio's connection pool with bounded waits. `PostgresClient` queues a lease request for
/// as long as it keeps failing to connect (its circuit breaker opens only after a minute), so a
/// request during an outage would wait that long; here a lease not granted within `leaseTimeout`
/// fails with ``StoreUnavailable``. Only the wait is bounded: once a connection is leased, the body
/// runs to its end, unless it still has the connection `answerTimeout` after the lease (a hung
/// server), when the connection is closed and the body fails with ``StoreUnavailable``.
///
/// The lease itself is taken in a child task that holds it until the body is done: cancelling
/// that task while it waits is how a lease request leaves postgres-nio's queue (its
/// `leaseConnection` cancels the request in a task cancellation handler).
struct PostgresPool: Sendable {
    let client: PostgresClient
    let leaseTimeout: Duration
    let answerTimeout: Duration?
    /// What is unreachable, for errors and logs (never the password).
    let store: String
    let retryAfterSeconds: Int

    /// Runs the pool until cancelled.
    func run() async {
        await client.run()
    }

    /// Leases a connection for `body`, waiting at most `leaseTimeout` for it (the pool's unless given).
    func withConnection<Result: Sendable>(
        leaseTimeout: Duration? = nil, answerTimeout: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let handoff = LeaseHandoff()
        let client = client
        let leaseTimeout = leaseTimeout ?? self.leaseTimeout
        let answerTimeout = answerTimeout ?? self.answerTimeout
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await client.withConnection { connection in await handoff.hold(connection) }
                } catch {
                    handoff.fail(error)
                }
            }
            let answer = AnswerRace<Result>()
            group.addTask {
                try await Task.sleep(for: leaseTimeout)
                guard let leasedAt = handoff.expire(), let answerTimeout else { return }
                try await Task.sleep(until: leasedAt + answerTimeout)
                handoff.closeIfHeld()
                // A query on a connection the server dropped can wait forever even after the close:
                // the caller is answered now; the body's task ends whenever its query does.
                answer.finish(.failure(unavailable(.noAnswer, detail: "no answer for \(answerTimeout) on a leased connection")))
            }
            defer { group.cancelAll() }
            let connection: PostgresConnection
            switch await handoff.connection() {
            case .leased(let leased): connection = leased
            case .expired: throw unavailable(.noConnection, detail: "waited \(leaseTimeout) for a pooled connection")
            case .failed(let error):
                if Task.isCancelled { throw CancellationError() }
                throw unavailable(.noConnection, detail: Self.describe(error))
            }
            defer { handoff.release() }
            do {
                return try await answer.run { try await body(connection) }
            } catch let error as StoreUnavailable {
                throw error
            } catch {
                if handoff.wasClosed {
                    throw unavailable(.noAnswer, detail: "no answer for \(answerTimeout ?? .zero) on a leased connection")
                }
                let classified = classify(error)
                if classified is StoreUnavailable {
                    // A lost connection goes back to the pool only once it is closed, so the pool
                    // drops it. Given back while still closing, postgres-nio could lease it again,
                    // and a query on it never returned (the caller waited the answer timeout).
                    handoff.closeIfHeld()
                    _ = try? await connection.closeFuture.get()
                }
                throw classified
            }
        }
    }

    /// A transaction on a connection leased with a bounded wait (see `withConnection`); failures of
    /// the transaction come out as postgres-nio's `PostgresTransactionError`, lost connections as
    /// ``StoreUnavailable``.
    func withTransaction<Result: Sendable>(
        logger: Logger, _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await withConnection { connection in
            try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    func unavailable(_ reason: StoreUnavailable.Reason, detail: String?) -> StoreUnavailable {
        StoreUnavailable(reason, store: store, retryAfterSeconds: retryAfterSeconds, detail: detail)
    }

    /// `error` as ``StoreUnavailable`` when it says the database cannot be reached; otherwise unchanged.
    func classify(_ error: any Error) -> any Error {
        Self.isConnectionFailure(error) ? unavailable(.connectionLost, detail: Self.describe(error)) : error
    }

    /// Whether `error` is about the connection rather than the statement: a broken or refused
    /// connection, a server shutting down or refusing connections. Constraint violations and SQL
    /// errors are not; in a transaction, the body's own error decides.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        switch error {
        case is StoreUnavailable:
            return true
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return true
            case .server:
                return error.serverInfo?[.sqlState].map(isUnavailableState) ?? false
            default:
                return false
            }
        case let error as PostgresTransactionError:
            if let closureError = error.closureError { return isConnectionFailure(closureError) }
            return [error.beginError, error.commitError, error.rollbackError].contains { $0.map(isConnectionFailure) ?? false }
        default:
            return false
        }
    }

    /// SQLSTATEs of an unavailable server: class 08 (connection exception), 57P01–57P03 (shutting
    /// down, crashed, not accepting connections yet) and 53300 (too many connections).
    static func isUnavailableState(_ state: String) -> Bool {
        state.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(state)
    }

    /// A short account of a failure: the error's code and PostgreSQL's SQLSTATE, never the query or its binds.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            var text = "PSQLError \(error.code)"
            if let state = error.serverInfo?[.sqlState] { text += " \(state)" }
            if let underlying = error.underlying { text += ": \(underlying)" }
            return text
        case let error as PostgresTransactionError:
            return (error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError).map(describe) ?? "transaction failed"
        default:
            return String(describing: type(of: error))
        }
    }
}

/// Hands a connection leased in one task to another and tells the first when to give it back.
final class LeaseHandoff: Sendable {
    enum Outcome: Sendable {
        case leased(PostgresConnection)
        case expired
        case failed(any Error)
    }

    private enum State {
        case waiting(waiter: CheckedContinuation<Outcome, Never>?)
        case expired
        case failed(any Error)
        case held(PostgresConnection, holder: CheckedContinuation<Void, Never>, since: ContinuousClock.Instant, closed: Bool)
        case released
    }

    private let state = Mutex(State.waiting(waiter: nil))

    /// The leased connection, or why there is none.
    func connection() async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready: Outcome? = state.withLock { state in
                switch state {
                case .waiting:
                    state = .waiting(waiter: continuation)
                    return nil
                case .expired: return .expired
                case .failed(let error): return .failed(error)
                case .held(let connection, _, _, _): return .leased(connection)
                case .released: return .expired
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Called by the leasing task with its connection; returns when the connection is to go back
    /// to the pool (at once if the wait has already expired).
    func hold(_ connection: PostgresConnection) async {
        await withCheckedContinuation { (holder: CheckedContinuation<Void, Never>) in
            let action: (waiter: CheckedContinuation<Outcome, Never>?, giveBack: Bool) = state.withLock { state in
                switch state {
                case .waiting(let waiter):
                    state = .held(connection, holder: holder, since: .now, closed: false)
                    return (waiter, false)
                case .expired, .failed, .held, .released:
                    return (nil, true)
                }
            }
            action.waiter?.resume(returning: .leased(connection))
            if action.giveBack { holder.resume() }
        }
    }

    /// The lease failed (or was cancelled).
    func fail(_ error: any Error) {
        let waiter: CheckedContinuation<Outcome, Never>? = state.withLock { state in
            guard case .waiting(let waiter) = state else { return nil }
            state = .failed(error)
            return waiter
        }
        waiter?.resume(returning: .failed(error))
    }

    /// The wait is over: when the connection was leased, if it was in time (and is still in use);
    /// nil when the wait expires now.
    func expire() -> ContinuousClock.Instant? {
        let (leasedAt, waiter): (ContinuousClock.Instant?, CheckedContinuation<Outcome, Never>?) = state.withLock { state in
            switch state {
            case .waiting(let waiter):
                state = .expired
                return (nil, waiter)
            case .held(_, _, let since, _): return (since, nil)
            case .expired, .failed, .released: return (nil, nil)
            }
        }
        waiter?.resume(returning: .expired)
        return leasedAt
    }

    /// Gives the connection back to the pool.
    func release() {
        let holder: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard case .held(_, let holder, _, _) = state else { return nil }
            state = .released
            return holder
        }
        holder?.resume()
    }

    /// Closes the connection if the body still has it (the database does not answer).
    func closeIfHeld() {
        state.withLock { state in
            guard case .held(let connection, let holder, let since, false) = state else { return }
            state = .held(connection, holder: holder, since: since, closed: true)
            Self.closeAbruptly(connection)
        }
    }

    /// Whether `closeIfHeld` closed the connection.
    var wasClosed: Bool {
        state.withLock { state in
            if case .held(_, _, _, true) = state { return true }
            return false
        }
    }

    /// Closes the channel at once (`close(mode: .all)`), without the goodbye a hung server would
    /// never answer; the pool drops the connection.
    private static func closeAbruptly(_ connection: PostgresConnection) {
        let _: EventLoopFuture<Void> = connection.close()
    }
}

/// The body's result or the answer timeout's verdict, whichever comes first. The body runs in a
/// task of its own (cancelled with the caller), so a query that never returns cannot hold the
/// caller past the timeout.
final class AnswerRace<Result: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Result, any Error>?, early: Swift.Result<Result, any Error>?, done: Bool)>(
        (nil, nil, false))

    func run(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        let task = Task { [self] in
            do { finish(.success(try await body())) } catch { finish(.failure(error)) }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let early = state.withLock { state -> Swift.Result<Result, any Error>? in
                    if let early = state.early { return early }
                    state.continuation = continuation
                    return nil
                }
                if let early { continuation.resume(with: early) }
            }
        } onCancel: {
            task.cancel()
        }
    }

    /// The first call wins; later ones are ignored.
    func finish(_ result: Swift.Result<Result, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<Result, any Error>? in
            guard !state.done else { return nil }
            state.done = true
            guard let continuation = state.continuation else {
                state.early = result
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(with: result)
    }
}
