import Foundation
import Hummingbird

/// Where the console's forms may be posted from: the server's own origin, which is the public URL
/// (`http.public_url`) or, whatever it is, the host the browser addressed (`Host`). A browser names
/// the page a form was posted from in `Origin` (or, older ones, `Referer`); a post from another
/// site is refused, so another site can neither sign a browser in (login CSRF) nor post a decision
/// or a sign-out. A request with neither header is not a browser's cross-site form: it is let
/// through to the session and CSRF-token checks.
struct ConsoleOrigins: Sendable {
    /// `scheme://host[:port]` of the public URL, lower case, without a default port.
    let publicOrigin: Origin?

    init(publicURL: String?) {
        publicOrigin = publicURL.flatMap(Origin.init(url:))
    }

    static let refusal = "This sign-in form was sent from another site. Open the console's own page and sign in there."

    /// Whether `request` comes from the console's own pages (or from no browser page at all).
    func allows(_ request: Request) -> Bool {
        let claimed = request.headers[.origin] ?? request.headers[.referer]
        guard let claimed else { return true }
        guard let origin = Origin(url: claimed) else { return false }
        if let publicOrigin, origin == publicOrigin { return true }
        guard let authority = request.head.authority, let own = Origin(scheme: origin.scheme, authority: authority) else { return false }
        return origin == own
    }

    /// Throws 403 `csrf` when `request` was posted from another site.
    func check(_ request: Request) throws(APIError) {
        guard allows(request) else {
            throw APIError(.forbidden, code: .csrf, "the form was posted from another site; use the console's own page")
        }
    }

    /// An origin: scheme, host and port (the scheme's default when not written).
    struct Origin: Sendable, Hashable {
        var scheme: String
        var host: String
        var port: Int

        /// From `Origin: https://host:port` or a `Referer` URL; `null` and anything not http(s) give `nil`.
        init?(url: String) {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
                let host = components.host, !host.isEmpty
            else { return nil }
            self.scheme = scheme
            self.host = host.lowercased()
            port = components.port ?? (scheme == "https" ? 443 : 80)
        }

        /// From a `Host` header (`host[:port]`), taking the scheme the browser used.
        init?(scheme: String, authority: String) {
            self.init(url: scheme + "://" + authority)
        }
    }
}
