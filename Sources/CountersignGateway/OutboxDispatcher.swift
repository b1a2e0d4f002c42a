import CountersignStore
import Foundation
import Logging
import ServiceLifecycle

/// Delivers one kind of outbox message (webhooks, later Slack, email, SMS).
public protocol OutboxDelivery: Sendable {
    /// The `kind` of message this delivers.
    var kind: String { get }
    /// Sends the message once. Throws `OutboxDeliveryError.permanent` for a failure no retry can
    /// fix (a 4xx other than 408/429, a missing secret); anything else is retried.
    func deliver(_ message: OutboxMessage) async throws
}

/// A delivery failure that retrying cannot fix.
public struct OutboxDeliveryError: Error, CustomStringConvertible {
    public var description: String
    public var permanent: Bool
    /// The earliest the receiver accepts a retry (HTTP `Retry-After`), when it said.
    public var retryAfter: TimeInterval?

    public init(_ description: String, permanent: Bool, retryAfter: TimeInterval? = nil) {
        self.description = description
        self.permanent = permanent
        self.retryAfter = retryAfter
    }
}

/// The outbox dispatcher: claims due messages, delivers them, retries failures with exponential
/// backoff and jitter, and declares a message dead after its last attempt. A crash between the
/// state change and delivery loses nothing: the message was committed with the change and is
/// claimed again after its lease; the receiver dedupes by the message id.
public struct OutboxDispatcher: Service {
    public struct Configuration: Sendable {
        /// Attempts before a message is dead.
        public var maximumAttempts: Int
        /// The first retry's delay; each retry doubles it, up to `maximumDelay`.
        public var initialDelay: TimeInterval
        public var maximumDelay: TimeInterval
        /// How long a claimed message is left alone before another claim may take it.
        public var lease: TimeInterval

        public init(maximumAttempts: Int = 12, initialDelay: TimeInterval = 1, maximumDelay: TimeInterval = 3600, lease: TimeInterval = 60) {
            self.maximumAttempts = maximumAttempts
            self.initialDelay = initialDelay
            self.maximumDelay = maximumDelay
            self.lease = lease
        }
    }

    let gateway: Gateway
    let deliveries: [String: any OutboxDelivery]
    let configuration: Configuration

    public init(gateway: Gateway, deliveries: [any OutboxDelivery], configuration: Configuration = .init()) {
        self.gateway = gateway
        self.deliveries = Dictionary(deliveries.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
        self.configuration = configuration
    }

    /// The delay before attempt `attempts + 1`: exponential with ±20 % jitter.
    public static func delay(afterAttempts attempts: Int, _ configuration: Configuration) -> TimeInterval {
        let base = min(configuration.initialDelay * pow(2, Double(max(attempts - 1, 0))), configuration.maximumDelay)
        return base * Double.random(in: 0.8...1.2)
    }

    public func run() async throws {
        let store = gateway.store
        let logger = gateway.logger
        // Messages a previous run claimed and never finished (it was killed) go out again now;
        // receivers dedupe by the message id.
        try? await store.releaseOutboxClaims(now: Date())
        await cancelWhenGracefulShutdown {
            // While the store is unavailable, retries every second; claims whose delivery could not
            // be recorded are taken again when their lease runs out (receivers dedupe by id).
            var retries = RetryLog("the outbox dispatcher cannot reach the store")
            while !Task.isCancelled {
                do {
                    let claimed = try await store.claimOutbox(now: Date(), limit: 64, lease: configuration.lease)
                    retries.succeeded(logger: logger)
                    DeadlineService.logUnreadable(store.unreadableRecords, logger: logger)
                    await withTaskGroup(of: Void.self) { group in
                        for message in claimed { group.addTask { await deliver(message, store: store, logger: logger) } }
                    }
                    if claimed.count == 64 { continue }
                    let next = try await store.nextOutboxAttempt()
                    await gateway.outboxSignal.sleep(until: min(next ?? .distantFuture, Date().addingTimeInterval(30)))
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    retries.failed(error, logger: logger)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    private func deliver(_ message: OutboxMessage, store: any GatewayStore, logger: Logger) async {
        do {
            guard let delivery = deliveries[message.kind] else {
                throw OutboxDeliveryError("no channel delivers \(message.kind) messages", permanent: true)
            }
            try await delivery.deliver(message)
            try await store.completeOutbox(id: message.id, at: Date())
            logger.debug("outbox message delivered", metadata: ["outbox.id": "\(message.id)", "outbox.kind": "\(message.kind)"])
        } catch {
            // A message about a record that cannot be read can never be rendered: retrying it
            // would fail the same way until the last attempt. It is dead at once, and logged.
            let permanent = (error as? OutboxDeliveryError)?.permanent ?? (error is UnreadableRecord)
            let delay = max(Self.delay(afterAttempts: message.attempts, configuration), (error as? OutboxDeliveryError)?.retryAfter ?? 0)
            let retryAt = permanent || message.attempts >= configuration.maximumAttempts ? nil : Date().addingTimeInterval(delay)
            try? await store.failOutbox(id: message.id, error: "\(error)", retryAt: retryAt)
            logger.warning(
                retryAt == nil ? "outbox message is dead" : "outbox delivery failed; will retry",
                metadata: ["outbox.id": "\(message.id)", "outbox.attempts": "\(message.attempts)", "error": "\(error)"])
        }
    }
}
