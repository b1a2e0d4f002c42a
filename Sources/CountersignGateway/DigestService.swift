import CountersignCore
import CountersignStore
import Foundation
import ServiceLifecycle

/// Starts the periodic digests of `notify`-level proposals (`routing.digest`): at start it queues,
/// for every approver reachable on a digest channel, the digest of the current window (due at its
/// end). Each digest, once delivered, queues the next window's, so the schedule lives in the
/// outbox, not in memory: it survives restarts, and queuing the same window twice queues it once.
public struct DigestService: Service {
    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    /// The digests of the window containing `now`.
    static func current(router: NotificationRouter, now: Date) -> [OutboxMessage] {
        let every = router.routing.digest.every
        let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / every).rounded(.down) * every)
        let channels = Set(router.routing.digest.channels).intersection(router.enabledChannels)
        return router.recipients.flatMap { recipient in
            channels.intersection(recipient.channels).sorted().map {
                ChannelMessages.digest(approver: recipient.name, channel: $0, from: start, to: start.addingTimeInterval(every))
            }
        }
    }

    /// Queues the current window's digests, retrying every second while the store is unavailable
    /// (a failure here must not stop the server), then waits for shutdown.
    public func run() async throws {
        var retries = RetryLog("the digest schedule cannot be queued")
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let messages = Self.current(router: gateway.notificationRouter, now: gateway.now())
                if !messages.isEmpty { try await gateway.queueChannelMessages(messages) }
                retries.succeeded(logger: gateway.logger)
                break
            } catch {
                if Task.isCancelled { return }
                retries.failed(error, logger: gateway.logger)
                try? await Task.sleep(for: .seconds(1))
            }
        }
        try? await gracefulShutdown()
    }
}
