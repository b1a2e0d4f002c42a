import Foundation
import Synchronization

/// Wakes a sleeping background service (the deadline timer, the outbox dispatcher) when work is
/// committed that is due before the instant it sleeps towards. Work scheduled while the service is
/// busy makes its next sleep return at once, so it re-reads the store.
public final class WakeSignal: Sendable {
    private struct State {
        /// What the timer sleeps towards, while it sleeps.
        var target: Date?
        var continuation: CheckedContinuation<Void, Never>?
        /// The earliest deadline scheduled since the timer last woke.
        var earliestScheduled: Date?
        /// The current sleep's timer fired (or it was cancelled) before the sleeper parked.
        var woken = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Something is due at `deadline` (call after its commit).
    func schedule(_ deadline: Date) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.earliestScheduled = min(state.earliestScheduled ?? deadline, deadline)
            guard let target = state.target, deadline < target else { return nil }
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume()
    }

    /// Sleeps until `deadline`, returning early when something due sooner is scheduled or the
    /// task is cancelled.
    func sleep(until deadline: Date) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let interval = max(deadline.timeIntervalSinceNow, 0)
                try? await Task.sleep(for: .milliseconds(Int64((interval * 1000).rounded(.up))))
                self.wake()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let now = state.withLock { state -> Bool in
                        // A deadline already past lets the timer fire before this parks: `woken` keeps it.
                        if state.woken { return true }
                        if let earliest = state.earliestScheduled, earliest < deadline { return true }
                        state.target = deadline
                        state.continuation = continuation
                        return false
                    }
                    if now || Task.isCancelled { self.wake(continuation: now ? continuation : nil) }
                }
            } onCancel: {
                self.wake()
            }
            group.cancelAll()
        }
        state.withLock { state in
            state.target = nil
            state.earliestScheduled = nil
            state.woken = false
        }
    }

    private func wake(continuation direct: CheckedContinuation<Void, Never>? = nil) {
        if let direct {
            direct.resume()
            return
        }
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let continuation = state.continuation else {
                state.woken = true
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume()
    }
}
