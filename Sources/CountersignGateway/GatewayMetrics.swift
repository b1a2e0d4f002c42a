import CoreMetrics
import CountersignCore
import Foundation
import Synchronization

/// The gateway's metrics, made by whatever factory the server hands in (Prometheus in `serve`).
/// Labels are bounded: the operation label is the operation's name only when the policy names it.
public struct GatewayMetrics: Sendable {
    private let factory: any MetricsFactory
    private let knownOperations: Set<String>
    private let pending: Gauge
    private let expiries: Counter
    private let waitingRequests: Gauge
    /// Proposal counters by level and operation label, made once each.
    private let proposalCounters = CounterCache()

    /// What each family counts, for the `# HELP` lines of the Prometheus exposition.
    public static let descriptions: [String: String] = [
        "countersign_approvals_pending": "Approvals waiting for a human.",
        "countersign_approvals_expired_total": "Approvals that reached their deadline unanswered; their fallback applied.",
        "countersign_waiting_requests": "Requests long-polling an approval right now.",
        "countersign_proposals_total": "Proposals decided, by level and operation (operations the policy does not name are \"other\").",
        "countersign_decisions_total": "Approvals decided by a human, by the status they ended in.",
        "countersign_approval_wait_seconds": "How long an approval waited, from the proposal to its decision or expiry.",
        "countersign_proposals_refused_total": "Proposals refused by an agent's limits, by reason (rate_limited, too_many_pending).",
    ]

    public init(factory: any MetricsFactory, policy: Policy) {
        self.factory = factory
        knownOperations = Set(policy.operations.keys)
        pending = Gauge(label: "countersign_approvals_pending", factory: factory)
        expiries = Counter(label: "countersign_approvals_expired_total", factory: factory)
        waitingRequests = Gauge(label: "countersign_waiting_requests", factory: factory)
    }

    /// A metrics sink that drops everything (tests, offline tools).
    public static func discarding(policy: Policy) -> GatewayMetrics {
        GatewayMetrics(factory: NOOPMetricsHandler.instance, policy: policy)
    }

    func proposed(operation: String, level: Level) {
        let operation = knownOperations.contains(operation) ? operation : "other"
        proposalCounters.counter(level.rawValue + "/" + operation) {
            Counter(label: "countersign_proposals_total", dimensions: [("level", level.rawValue), ("operation", operation)], factory: factory)
        }.increment()
    }

    func decided(_ status: ApprovalStatus, waited: TimeInterval) {
        Counter(label: "countersign_decisions_total", dimensions: [("status", status.rawValue)], factory: factory).increment()
        Recorder(label: "countersign_approval_wait_seconds", dimensions: [], aggregate: true, factory: factory).record(waited)
    }

    func expired(waited: TimeInterval) {
        expiries.increment()
        Recorder(label: "countersign_approval_wait_seconds", dimensions: [], aggregate: true, factory: factory).record(waited)
    }

    /// A proposal refused by an agent's rate or quota (`reason`: `rate_limited`, `too_many_pending`).
    func refused(_ code: ErrorCode) {
        proposalCounters.counter("refused/" + code.rawValue) {
            Counter(label: "countersign_proposals_refused_total", dimensions: [("reason", code.rawValue)], factory: factory)
        }.increment()
    }

    func pendingApprovals(_ count: Int) { pending.record(count) }

    func waiting(_ count: Int) { waitingRequests.record(count) }
}

/// Counters by key, created on first use (bounded: the keys come from the policy).
final class CounterCache: Sendable {
    private let counters = Mutex([String: Counter]())

    func counter(_ key: String, make: () -> Counter) -> Counter {
        counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = make()
            counters[key] = counter
            return counter
        }
    }
}
