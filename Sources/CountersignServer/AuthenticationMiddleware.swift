import Hummingbird

/// Reads `Authorization: Bearer <secret>` and sets the caller on the context. A request without a
/// valid credential goes on unauthenticated; routes that need a caller answer 401.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CountersignRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { throw APIError.unauthorized }
            guard let principal = authenticator.principal(for: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)) else {
                throw APIError.unauthorized
            }
            context.principal = principal
        }
        return try await next(request, context)
    }
}
