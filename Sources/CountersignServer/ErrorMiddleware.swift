import CountersignGateway
import CountersignStore
import Hummingbird
import Logging

/// Turns every error into the API's JSON error form: use-case refusals with their status, the
/// framework's own (unknown route, body too large) with theirs, an unreachable store as a 503 with
/// `Retry-After`, and anything else as a 500 that names no internals (the details go to the log).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = CountersignRequestContext
    /// The served paths' methods: an unknown route whose path exists gets 405.
    let routes: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as GatewayError {
            throw APIError(error)
        } catch let error as UnreadableRecord {
            // Only this one item fails; the message names the record and a general reason, never its text.
            context.logger.error(
                "a stored record cannot be read; answering 409",
                metadata: ["record.kind": "\(error.kind)", "record.id": "\(error.id)", "problem": "\(error.problem)", "path": "\(request.uri.path)"])
            throw APIError(.conflict, code: .unreadableRecord, error.description + "; the rest of the queue is served")
        } catch let error as StoreUnavailable {
            // Once per request; the store's description has no password.
            context.logger.warning(
                "the store is unavailable; answering 503",
                metadata: [
                    "store": "\(error.store)", "store.reason": "\(error.reason)", "error": "\(error.detail ?? "")",
                    "path": "\(request.uri.path)",
                ])
            throw APIError(error)
        } catch let error as HTTPError {
            if error.status == .notFound {
                let allowed = routes.allowed(path: request.uri.path)
                if !allowed.isEmpty {
                    throw APIError(.methodNotAllowed, code: .methodNotAllowed, "\(request.method) is not allowed here", allow: allowed)
                }
            }
            throw Self.translate(error.status, message: error.body)
        } catch let error as any HTTPResponseError {
            // The framework's own errors (a body over the limit, …).
            throw Self.translate(error.status, message: nil)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw APIError(.internalServerError, code: .internal, "the request could not be completed; see the server log")
        }
    }

    static func translate(_ status: HTTPResponse.Status, message: String?) -> APIError {
        switch status {
        case .notFound: APIError(.notFound, code: .notFound, "no such resource")
        case .contentTooLarge: APIError(.contentTooLarge, code: .payloadTooLarge, "the request body is larger than the server accepts")
        case .methodNotAllowed: APIError(.methodNotAllowed, code: .methodNotAllowed, "this method is not allowed here")
        case .badRequest: APIError(.badRequest, code: .invalidParameter, message ?? "the request is malformed")
        default:
            status.code >= 500
                ? APIError(status, code: .internal, "the request could not be completed; see the server log")
                : APIError(status, code: .invalidParameter, message ?? status.reasonPhrase)
        }
    }
}
