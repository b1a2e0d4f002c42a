import CountersignCore
import CountersignGateway
import CountersignStore
import Hummingbird

/// An error the API renders as `{"error": {"code", "message"}}` with its status.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: ErrorCode
    public var message: String
    /// Seconds after which to try again, sent as `Retry-After` (503 while the store is unavailable).
    public var retryAfter: Int?
    /// The methods the path takes, sent as `Allow` (405).
    public var allow: [HTTPRequest.Method]?

    public init(
        _ status: HTTPResponse.Status, code: ErrorCode, _ message: String, retryAfter: Int? = nil, allow: [HTTPRequest.Method]? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
        self.allow = allow
    }

    static let unauthorized = APIError(
        .unauthorized, code: .unauthorized, "a valid agent key or approver token is required (Authorization: Bearer …)")

    static func invalidParameter(_ name: String, _ expectation: String) -> APIError {
        APIError(.badRequest, code: .invalidParameter, "\(name) \(expectation)")
    }

    /// The API form of an unreachable store: 503 with `Retry-After`; the message names no host.
    init(_ error: StoreUnavailable) {
        self.init(
            .serviceUnavailable, code: .storeUnavailable, "the database is unavailable; try again shortly",
            retryAfter: error.retryAfterSeconds)
    }

    /// The API form of a use case's refusal.
    init(_ error: GatewayError) {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .invalid: error.code == .invalidJSON ? .badRequest : .unprocessableContent
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .tooManyRequests: .tooManyRequests
            }
        self.init(status, code: error.code, error.message, retryAfter: error.retryAfter)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var writer = JSONWriter(capacity: 128)
        writer.raw("{\"error\":{")
        writer.member("code", code.rawValue)
        writer.member("message", message)
        writer.raw("}}")
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let allow { headers[.allow] = allow.map(\.rawValue).joined(separator: ", ") }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }
}
