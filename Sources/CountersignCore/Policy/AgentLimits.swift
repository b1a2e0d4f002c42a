/// How much of the queue and of the gateway one agent may take: at most `maximumPending` approvals
/// waiting for a human at once, and proposals at `rate` (a token bucket). A proposal beyond either
/// is refused with 429 and `Retry-After`, so one agent flooding the gateway cannot bury everyone
/// else's approvals. `agents[].max_pending` and `agents[].rate` in the server configuration.
public struct AgentLimits: Sendable, Hashable {
    /// The most approvals the agent may have pending at once; `nil`: no limit.
    public var maximumPending: Int?
    /// How fast the agent may propose; `nil`: no limit.
    public var rate: Rate?

    /// A token bucket: `burst` proposals at once, refilled at `perSecond`.
    public struct Rate: Sendable, Hashable {
        /// Proposals per second, sustained (the refill rate); more than zero.
        public var perSecond: Double
        /// The most proposals in a burst (the bucket's size); at least 1.
        public var burst: Int

        public init(perSecond: Double, burst: Int) {
            self.perSecond = perSecond
            self.burst = burst
        }

        /// 50 proposals a second, bursts of 100.
        public static let `default` = Rate(perSecond: 50, burst: 100)
    }

    /// 500 pending approvals.
    public static let defaultMaximumPending = 500

    /// The defaults: 500 pending approvals, 50 proposals a second with bursts of 100.
    public init(maximumPending: Int? = AgentLimits.defaultMaximumPending, rate: Rate? = .default) {
        self.maximumPending = maximumPending
        self.rate = rate
    }

    /// No limit at all (tests, and benchmarks that measure the gateway's own throughput).
    public static let unlimited = AgentLimits(maximumPending: nil, rate: nil)
}
