import Hummingbird

/// Applies the configured request body limit (413 beyond it).
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = CountersignRequestContext
    let maximumBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.maxUploadSize = maximumBytes
        return try await next(request, context)
    }
}
