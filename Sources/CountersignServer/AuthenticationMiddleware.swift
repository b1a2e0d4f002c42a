import Hummingbird

/// Reads `Authorization: Bearer <secret>` and sets the caller on the context. A request without a
/// valid credential goes on unauthenticated; routes that need a caller answer 401.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = CountersignRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = try Self.authorization(request.headers) {
            guard let secret = Self.bearerSecret(header), let principal = authenticator.principal(for: secret) else {
                throw APIError.unauthorized
            }
            context.principal = principal
        }
        return try await next(request, context)
    }

    /// The one `Authorization` field, or `nil`; two of them are refused (401). Looks the field
    /// up directly: `HTTPFields`' subscript joins every value into a new string.
    static func authorization(_ fields: HTTPFields) throws -> String? {
        var found: String?
        for field in fields where field.name == .authorization {
            guard found == nil else { throw APIError.unauthorized }
            found = field.value
        }
        return found
    }

    /// The secret of `Bearer <secret>` (scheme case-insensitive, spaces around the secret
    /// ignored), or `nil`. Works on the header's bytes: this runs on every request.
    static func bearerSecret(_ header: String) -> String? {
        var bytes = Substring(header).utf8[...]
        let scheme = Array("bearer ".utf8)
        guard bytes.count > scheme.count,
            zip(bytes.prefix(scheme.count), scheme).allSatisfy({ $1 == 0x20 ? $0 == 0x20 : $0 | 0x20 == $1 })
        else { return nil }
        bytes = bytes.dropFirst(scheme.count)
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes.isEmpty ? nil : String(Substring(bytes))
    }
}
