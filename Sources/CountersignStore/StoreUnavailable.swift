/// The store cannot be reached right now: no connection could be had within the configured wait,
/// the connection to the database was lost, or the database did not answer. Nothing about the
/// request itself is wrong; the same request may succeed once the database is back. Thrown by
/// engines whose database is a separate server (PostgreSQL); never for a constraint violation or
/// an SQL error.
///
/// Its `description` names the store without credentials and carries no query or data.
public struct StoreUnavailable: Error, Sendable, CustomStringConvertible {
    /// Why the store is unavailable; its description is a stable code.
    public enum Reason: String, Sendable, Hashable, CustomStringConvertible {
        /// No pooled connection could be had within the wait (the database is down or every
        /// connection is busy).
        case noConnection = "no_connection"
        /// The connection broke, was refused, or the server is shutting down.
        case connectionLost = "connection_lost"
        /// The database took a connection but did not answer in time (a hung server).
        case noAnswer = "no_answer"

        public var description: String { rawValue }
    }

    /// Why.
    public var reason: Reason
    /// What is unreachable, e.g. `PostgreSQL at db.internal:5432/countersign` (never a password).
    public var store: String
    /// When to try again, in whole seconds (the `Retry-After` an HTTP server sends).
    public var retryAfterSeconds: Int
    /// The engine's own short account of the failure (an error code, a server message); no data.
    public var detail: String?

    public init(_ reason: Reason, store: String, retryAfterSeconds: Int = 5, detail: String? = nil) {
        self.reason = reason
        self.store = store
        self.retryAfterSeconds = max(1, retryAfterSeconds)
        self.detail = detail
    }

    public var description: String {
        let what =
            switch reason {
            case .noConnection: "no connection to \(store) could be had in time"
            case .connectionLost: "the connection to \(store) was lost"
            case .noAnswer: "\(store) did not answer in time"
            }
        return what + (detail.map { " (\($0))" } ?? "")
    }
}
