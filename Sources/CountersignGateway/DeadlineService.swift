import CountersignStore
import Foundation
import Logging
import ServiceLifecycle

/// The deadline timer: expires overdue approvals on start (the server may have been down when
/// they fell due), then sleeps until the next deadline, woken early when a sooner one is created.
/// Expiry runs here, apart from requests, so one stuck approval never holds up the queue: one
/// whose stored row cannot be read is passed over (it stays pending until an operator repairs
/// it) and logged once, and the others still expire.
public struct DeadlineService: Service {
    let gateway: Gateway
    /// The longest sleep; a safety net should the store change under us (another process).
    let maximumSleep: TimeInterval

    public init(gateway: Gateway, maximumSleep: TimeInterval = 30) {
        self.gateway = gateway
        self.maximumSleep = maximumSleep
    }

    public func run() async throws {
        let logger = gateway.logger
        await cancelWhenGracefulShutdown {
            // While the store is unavailable, retries every second (each try waits for a connection
            // at most the store's lease timeout); deadlines passed meanwhile expire on recovery.
            var retries = RetryLog("the deadline timer cannot reach the store")
            while !Task.isCancelled {
                do {
                    let expired = try await gateway.expireDue()
                    if expired > 0 { logger.info("expired overdue approvals", metadata: ["count": "\(expired)"]) }
                    gateway.metrics.pendingApprovals(try await gateway.store.pendingCount())
                    let next = try await gateway.store.nextDeadline()
                    retries.succeeded(logger: logger)
                    Self.logUnreadable(gateway.store.unreadableRecords, logger: logger)
                    let wake = min(next ?? .distantFuture, Date().addingTimeInterval(maximumSleep))
                    await gateway.deadlines.sleep(until: wake)
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    Self.logUnreadable(gateway.store.unreadableRecords, logger: logger)
                    retries.failed(error, logger: logger)
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Logs each record the store found unreadable since the last call, once. The message names
    /// the record and the reason, never its stored text.
    static func logUnreadable(_ records: UnreadableRecords, logger: Logger) {
        for record in records.takeUnlogged() {
            var metadata: Logger.Metadata = ["record.kind": "\(record.kind)", "record.id": "\(record.id)", "problem": "\(record.problem)"]
            if let approvalID = record.approvalID { metadata["approval.id"] = "\(approvalID)" }
            logger.error("a stored record cannot be read; it is passed over until an operator repairs it", metadata: metadata)
        }
    }
}
