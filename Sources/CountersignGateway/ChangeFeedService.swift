import CountersignStore
import Foundation
import Logging
import ServiceLifecycle

/// Keeps this replica in step with the others on a shared store: a change committed elsewhere
/// wakes the local long polls waiting on that approval, reaches the console's live view, and
/// schedules the deadline timer. After the feed reconnects (changes may have been lost) and every
/// `recheckInterval` as a safety net, every approval waited on here is read again.
public struct ChangeFeedService: Service {
    let gateway: Gateway
    let feed: any ApprovalChangeFeed
    let recheckInterval: Duration

    public init(gateway: Gateway, feed: any ApprovalChangeFeed, recheckInterval: Duration = .seconds(10)) {
        self.gateway = gateway
        self.feed = feed
        self.recheckInterval = recheckInterval
    }

    public func run() async throws {
        let gateway = gateway
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    do {
                        try await feed.run { change in
                            switch change {
                            case .changed(let approvalID, let deadline):
                                if let deadline { gateway.deadlines.schedule(deadline) }
                                // Read the approval only when someone here is waiting or watching,
                                // and off the feed's loop, so one slow read never delays the next change.
                                guard gateway.waiters.isWaited(approvalID) || gateway.events.subscriberCount > 0 else { return }
                                Task { await gateway.refresh(approvalID: approvalID, publish: true) }
                            case .resubscribed:
                                await gateway.refreshWaited()
                            }
                        }
                    } catch {
                        if !Task.isCancelled { gateway.logger.error("the change feed stopped", metadata: ["error": "\(error)"]) }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: recheckInterval)
                        await gateway.refreshWaited()
                    }
                }
            }
        }
    }
}

extension Gateway {
    /// Reads an approval another replica changed and lets this replica's waiters, live views and
    /// timers know. Never throws: a failed read is left to the next re-check.
    func refresh(approvalID: String, publish: Bool) async {
        guard let view = try? await store.approval(id: approvalID) else { return }
        if view.approval.status == .pending {
            deadlines.schedule(view.approval.deadline)
            if publish { events.publish(.changed(view)) }
        } else {
            // The replica that committed the change delivers what it queued; should it die first,
            // the dispatchers' periodic look (at most 30 s apart) finds the messages.
            waiters.resolve(view)
            if publish { events.publish(.changed(view)) }
        }
    }

    /// Re-reads every approval a local request is waiting on, and wakes the timers (changes may
    /// have been missed).
    func refreshWaited() async {
        for approvalID in waiters.waitedOn { await refresh(approvalID: approvalID, publish: false) }
        deadlines.schedule(now())
        outboxSignal.schedule(now())
    }
}
