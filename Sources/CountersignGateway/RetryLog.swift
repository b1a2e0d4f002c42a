import CountersignStore
import Logging

/// How a background loop that retries reports its failures: the first one of a run at warning,
/// then one in `every` (a database outage would otherwise log every retry), and the recovery once.
struct RetryLog {
    let message: String
    var every = 60
    private(set) var failures = 0

    init(_ message: String, every: Int = 60) {
        self.message = message
        self.every = every
    }

    mutating func failed(_ error: any Error, logger: Logger) {
        failures += 1
        guard failures == 1 || failures % every == 0 else { return }
        var metadata: Logger.Metadata = ["error": "\(error)", "failures": "\(failures)"]
        if let unavailable = error as? StoreUnavailable { metadata["store.reason"] = "\(unavailable.reason)" }
        logger.warning("\(message); retrying", metadata: metadata)
    }

    mutating func succeeded(logger: Logger) {
        guard failures > 0 else { return }
        logger.info("\(message) no more; recovered", metadata: ["failures": "\(failures)"])
        failures = 0
    }
}
