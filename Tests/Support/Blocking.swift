import Foundation

/// Runs blocking work (a child process waited for, a blocking socket read, a pipe read to its end)
/// on a thread of its own and suspends until it ends.
///
/// Swift concurrency's cooperative pool has one thread per core: two on the CI machine. Work that
/// blocks one of them (a synchronous `Process` wait, `read(2)`) holds it from every other test in
/// the process, and from the in-process servers those tests talk to, whose handlers run on the same
/// pool: two such waits at once stall the whole suite until one of them times out. Every helper
/// that blocks goes through here.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.name = "countersign-test-blocking"
        thread.start()
    }
}
