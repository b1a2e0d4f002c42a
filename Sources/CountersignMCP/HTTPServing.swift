import Foundation

/// Where the proxy's streamable HTTP endpoint listens and whom it lets in.
///
/// Loopback by default. Bound to any other address it requires a bearer token (the proxy would
/// otherwise let anyone on the network act with its agent key). Browsers are kept out by the
/// `Origin` check (DNS-rebinding protection): a request with an `Origin` header is served only
/// when that origin is the endpoint's own loopback origin or listed in `allowedOrigins`, and on
/// loopback the `Host` header must name a loopback host.
public struct HTTPServing: Sendable, Hashable {
    public var host: String
    /// 0 picks a free port (printed once listening).
    public var port: Int
    /// The token every request must carry (`Authorization: Bearer …`); required off loopback.
    public var bearerToken: String?
    /// Origins (`scheme://host[:port]`) allowed besides the loopback ones.
    public var allowedOrigins: [String]
    /// The most sessions open at once; more initialisations get 503.
    public var maximumSessions: Int
    /// The largest request body, in bytes.
    public var maximumBodyBytes: Int

    /// The environment variable holding the bearer token.
    public static let tokenVariable = "COUNTERSIGN_MCP_TOKEN"
    /// The endpoint's path.
    public static let path = "/mcp"

    public init(
        host: String = "127.0.0.1", port: Int = 8766, bearerToken: String? = nil, allowedOrigins: [String] = [], maximumSessions: Int = 64,
        maximumBodyBytes: Int = 4 << 20
    ) throws {
        guard (0...65535).contains(port) else { throw ProxyConfigurationError(description: "--port must be from 0 to 65535") }
        if let bearerToken, bearerToken.utf8.count < 16 {
            throw ProxyConfigurationError(description: "\(Self.tokenVariable) must be at least 16 characters")
        }
        if !Self.isLoopback(host), bearerToken == nil {
            throw ProxyConfigurationError(
                description: "--host \(host) is not a loopback address: set \(Self.tokenVariable) to a secret clients must send as a bearer token")
        }
        for origin in allowedOrigins where URL(string: origin)?.scheme == nil || URL(string: origin)?.host == nil {
            throw ProxyConfigurationError(description: "--allow-origin \(origin) is not an origin like https://app.example.com")
        }
        self.host = host
        self.port = port
        self.bearerToken = bearerToken
        self.allowedOrigins = allowedOrigins.map { $0.lowercased().trimmingSuffix("/") }
        self.maximumSessions = maximumSessions
        self.maximumBodyBytes = maximumBodyBytes
    }

    /// `127.0.0.0/8`, `::1` and `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { $0.count <= 3 && UInt8($0) != nil }
    }

    /// Whether a request's `Origin` may use the endpoint (no `Origin`: not a browser, allowed).
    func allows(origin: String?) -> Bool {
        guard let origin else { return true }
        let normalized = origin.lowercased().trimmingSuffix("/")
        if allowedOrigins.contains(normalized) { return true }
        guard let url = URL(string: normalized), let scheme = url.scheme, ["http", "https"].contains(scheme), let host = url.host else {
            return false
        }
        return Self.isLoopback(host) && Self.isLoopback(self.host)
    }

    /// Whether a request's `Host` header may be served: on loopback only loopback names
    /// (a rebinding attacker's page sends its own domain); elsewhere the token decides.
    func allows(hostHeader: String?) -> Bool {
        guard Self.isLoopback(host) else { return true }
        guard let hostHeader, !hostHeader.isEmpty else { return false }
        var name = hostHeader.lowercased()
        if name.hasPrefix("[") {
            name = String(name.prefix { $0 != "]" }.dropFirst())
        } else if let colon = name.lastIndex(of: ":") {
            name = String(name[..<colon])
        }
        return Self.isLoopback(name)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
