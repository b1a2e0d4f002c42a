import CountersignCore
import Foundation

/// A token bucket, as a value: `burst` tokens at most, refilled at `perSecond`; each proposal takes
/// one. It reads no clock: every call is told the time (the gateway's clock), so tests move time
/// instead of sleeping. Time that runs backwards refills nothing.
public struct TokenBucket: Sendable, Hashable {
    public let rate: AgentLimits.Rate
    /// Tokens left (fractions accumulate between proposals).
    public private(set) var tokens: Double
    /// When `tokens` was last brought up to date.
    public private(set) var updatedAt: Date?

    /// Whether a proposal may go ahead.
    public enum Admission: Sendable, Hashable {
        case admitted
        /// No token: the next one arrives in this many seconds.
        case refused(retryAfter: TimeInterval)
    }

    /// A full bucket.
    public init(rate: AgentLimits.Rate) {
        self.rate = rate
        tokens = Double(max(rate.burst, 1))
    }

    /// Takes a token when there is one.
    public mutating func take(at now: Date) -> Admission {
        refill(at: now)
        guard tokens >= 1 else { return .refused(retryAfter: (1 - tokens) / rate.perSecond) }
        tokens -= 1
        return .admitted
    }

    /// Puts back a token taken for a proposal that turned out not to be new (an idempotent retry).
    public mutating func giveBack(at now: Date) {
        refill(at: now)
        tokens = min(tokens + 1, Double(max(rate.burst, 1)))
    }

    private mutating func refill(at now: Date) {
        if let updatedAt {
            let elapsed = max(0, now.timeIntervalSince(updatedAt))
            tokens = min(Double(max(rate.burst, 1)), tokens + elapsed * rate.perSecond)
        }
        if updatedAt.map({ now > $0 }) ?? true { updatedAt = now }
    }
}
