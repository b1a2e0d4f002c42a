import CountersignStore
import Foundation
import Synchronization

/// Queue changes as they commit, fanned out to live subscribers (the console's server-sent
/// events). A slow subscriber loses the oldest buffered events rather than slowing the gateway;
/// its view then refreshes from the store.
public final class ApprovalEvents: Sendable {
    /// One change: an approval was created, decided, got its first of two approvals, or expired.
    public enum Event: Sendable {
        case changed(ApprovalView)
    }

    private let subscribers = Mutex([UUID: AsyncStream<Event>.Continuation]())

    public init() {}

    /// A stream of every change from now on; it ends when the caller stops iterating.
    public func subscribe() -> AsyncStream<Event> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(256))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// How many subscribers are listening.
    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    func publish(_ event: Event) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(event) }
    }
}
