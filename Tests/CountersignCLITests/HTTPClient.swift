import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A response: the status and the body, parsed as JSON on demand.
struct HTTPResult: Sendable, CustomStringConvertible {
    var status: Int
    var body: Data
    /// Response headers by lowercased name.
    var headers: [String: String] = [:]

    /// The body as JSON (nil when it is not JSON).
    var json: Any? { try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) }
    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] { json as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The value at a path of object keys: `result["approval", "status"]`.
    subscript(path: String...) -> Any? {
        var value: Any? = json
        for key in path { value = (value as? [String: Any])?[key] }
        return value is NSNull ? nil : value
    }

    func string(_ path: String...) -> String? {
        var value: Any? = json
        for key in path { value = (value as? [String: Any])?[key] }
        return value as? String
    }

    /// `{"error": {"code": …}}`
    var errorCode: String? { string("error", "code") }
    var errorMessage: String? { string("error", "message") }

    var description: String { "HTTP \(status) \(text)" }
}

/// A tiny JSON-over-HTTP client for process-level tests: one ephemeral URLSession per client (so a
/// client made after a restart never reuses a connection to the killed process), a bearer token,
/// and no retries: each call is exactly one request.
struct HTTPClient: Sendable {
    let baseURL: URL
    let token: String?
    let session: URLSession

    init(baseURL: URL, token: String?, timeout: TimeInterval = 30) {
        self.baseURL = baseURL
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpMaximumConnectionsPerHost = 32
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.session = URLSession(configuration: configuration)
    }

    /// The same server and connection pool with another token.
    func with(token: String?) -> HTTPClient { HTTPClient(baseURL: baseURL, token: token, session: session) }

    private init(baseURL: URL, token: String?, session: URLSession) {
        self.baseURL = baseURL
        self.token = token
        self.session = session
    }

    func get(_ path: String) async throws -> HTTPResult {
        try await send("GET", path, body: nil)
    }

    /// POSTs `body`, a JSON text sent byte for byte.
    func post(_ path: String, _ body: String) async throws -> HTTPResult {
        try await send("POST", path, body: Data(body.utf8))
    }

    /// POSTs a JSON object.
    func post(_ path: String, json: [String: any Sendable]) async throws -> HTTPResult {
        try await send("POST", path, body: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]))
    }

    func send(_ method: String, _ path: String, body: Data?) async throws -> HTTPResult {
        guard let url = URL(string: path, relativeTo: baseURL) else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
        }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return HTTPResult(status: http.statusCode, body: data, headers: headers)
    }
}
