import CountersignGateway
import Hummingbird

/// The request context: who is calling (set by `AuthenticationMiddleware`) and the body limit.
public struct CountersignRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated caller, when the request carried a valid credential.
    public var principal: Principal?
    /// Bodies larger than this are refused with 413.
    public var maxUploadSize: Int

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
        maxUploadSize = 64 * 1024
    }

    /// The caller, or 401 when the request carried no valid credential.
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIError.unauthorized }
        return principal
    }
}
