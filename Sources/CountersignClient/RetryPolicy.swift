/// How the client retries requests that failed in transit or with a 5xx/429: exponential backoff
/// with full jitter. Retries are safe: proposals carry their idempotency key, reads change nothing,
/// and a repeated outcome report is recognised.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included (at least 1).
    public var maxAttempts: Int
    /// The backoff before the first retry.
    public var initialBackoff: Duration
    /// The longest backoff between two attempts.
    public var maxBackoff: Duration

    /// A policy; the defaults try 6 times over about 10 seconds.
    public init(maxAttempts: Int = 6, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(5)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// No retries: each call is one request.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The pause after the `failures`-th failure in a row (1-based): a random share of
    /// `initialBackoff × 2^(failures-1)`, capped at `maxBackoff`, never below a quarter of it.
    public func backoff(afterFailures failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 20)
        let ceiling = min(initialBackoff * (1 << exponent), maxBackoff)
        let fraction = Double.random(in: 0.25...1.0)
        return ceiling * fraction
    }
}
