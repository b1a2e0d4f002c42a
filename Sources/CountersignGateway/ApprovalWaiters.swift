import CountersignStore
import Dispatch
import Foundation
import Synchronization

/// Long-poll waiters by approval id, woken in-process the moment a decision or expiry commits.
/// No polling loop: a waiter registers a slot, checks the store once, then parks until `resolve`
/// (called after commit) fills the slot, its timeout passes, or its request is cancelled.
public final class ApprovalWaiters: Sendable {
    private let slots = Mutex([String: [ObjectIdentifier: WaitSlot]]())

    public init() {}

    /// How many requests are waiting.
    public var count: Int { slots.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// The approvals someone is waiting for.
    public var waitedOn: [String] { slots.withLock { Array($0.keys) } }

    /// Whether someone is waiting for this approval.
    public func isWaited(_ approvalID: String) -> Bool { slots.withLock { $0[approvalID] != nil } }

    /// Registers a slot for the approval. Register **before** reading the store, so a commit that
    /// lands in between still fills the slot.
    func register(_ approvalID: String) -> WaitSlot {
        let slot = WaitSlot()
        slots.withLock { $0[approvalID, default: [:]][ObjectIdentifier(slot)] = slot }
        return slot
    }

    /// Removes a slot that is no longer waited on.
    func unregister(_ approvalID: String, _ slot: WaitSlot) {
        slots.withLock { slots in
            slots[approvalID]?.removeValue(forKey: ObjectIdentifier(slot))
            if slots[approvalID]?.isEmpty == true { slots[approvalID] = nil }
        }
    }

    /// Fills every slot waiting for this approval with its new state.
    public func resolve(_ view: ApprovalView) {
        let waiting = slots.withLock { $0.removeValue(forKey: view.approval.id) ?? [:] }
        for slot in waiting.values { slot.fill(view) }
    }
}

/// One waiting request: filled at most once, awaited at most once.
final class WaitSlot: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<ApprovalView?, Never>)
        case filled(ApprovalView?)
    }

    private let state = Mutex(State.empty)

    /// Fills the slot (nil: give up) and wakes its waiter; later fills are ignored.
    func fill(_ view: ApprovalView?) {
        let continuation = state.withLock { state -> CheckedContinuation<ApprovalView?, Never>? in
            switch state {
            case .empty:
                state = .filled(view)
                return nil
            case .waiting(let continuation):
                state = .filled(view)
                return continuation
            case .filled:
                return nil
            }
        }
        continuation?.resume(returning: view)
    }

    /// The filled value, waiting at most `timeout`; `nil` on timeout or cancellation. The timeout
    /// is a dispatch timer that fills the slot, not a sleeping child task: a long poll woken by a
    /// decision costs one resumption instead of starting, cancelling and joining a second task.
    func value(timeout: Duration) async -> ApprovalView? {
        let timer = DispatchWorkItem { [weak self] in self?.fill(nil) }
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(min(max(seconds, 0), 86_400)) * 1_000_000_000 + Int(max(attoseconds, 0) / 1_000_000_000)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds), execute: timer)
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> ApprovalView?? in
                    if case .filled(let view) = state { return .some(view) }
                    state = .waiting(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            self.fill(nil)
        }
    }
}
