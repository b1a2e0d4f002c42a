import CountersignCore

/// Why a use case refused. Each has a stable code and an HTTP status; messages never carry secrets.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// 400/422: the input is malformed or cannot be judged.
        case invalid
        /// 403: the caller may not do this.
        case forbidden
        /// 404
        case notFound
        /// 409: the state no longer allows it (decided, expired, already recorded).
        case conflict
        /// 429: the caller is over its rate or quota; `retryAfter` says when to try again.
        case tooManyRequests
    }

    public var kind: Kind
    /// `invalid_proposal`, `not_allowed`, `not_found`, `not_pending`, `past_deadline`, …
    public var code: ErrorCode
    public var message: String
    /// Whole seconds to wait before trying again (429).
    public var retryAfter: Int?

    public init(_ kind: Kind, code: ErrorCode, _ message: String, retryAfter: Int? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func proposal(_ error: ProposalError) -> GatewayError {
        GatewayError(.invalid, code: error.code, error.message)
    }
}
