import CountersignCore
import CountersignGateway
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A client of Slack's Web API (`chat.postMessage`, `chat.update`): JSON bodies with the bot
/// token as `Authorization: Bearer`. Slack answers HTTP 200 with `{"ok": false, "error": "…"}`
/// for most failures: errors a retry can fix (rate limits, Slack's own trouble) are retryable,
/// the rest (bad token, missing scope, unknown channel, invalid blocks) permanent; HTTP 429's
/// `Retry-After` sets the earliest retry. The token never appears in an error or a log.
public struct SlackWebAPI: Sendable {
    /// `https://slack.com/api` (a local stand-in in tests).
    public let baseURL: String
    private let token: Secret
    /// Redirects are never followed: the bot token goes to Slack's API and nowhere else.
    private let session: NoRedirectSession
    private let timeout: TimeInterval

    /// `ok: false` errors that are worth retrying.
    static let retryableErrors: Set<String> = [
        "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org",
    ]

    public init(baseURL: String = "https://slack.com/api", token: String, timeout: TimeInterval = 10) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = Secret(token)
        self.timeout = timeout
        session = NoRedirectSession(timeout: timeout)
    }

    /// Calls `method` with a JSON object; returns Slack's answer when `ok` is true.
    @discardableResult
    public func call(_ method: String, _ body: JSONValue) async throws -> JSONValue {
        guard let url = URL(string: "\(baseURL)/\(method)") else { throw OutboxDeliveryError("bad Slack API URL", permanent: true) }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        var writer = JSONWriter(capacity: 2048)
        writer.value(body)
        request.httpBody = Data(writer.bytes)
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(token.revealed)", forHTTPHeaderField: "Authorization")
        request.setValue("countersign", forHTTPHeaderField: "User-Agent")
        let (data, http) = try await session.data(for: request)
        if http.statusCode == 429 {
            let after = http.value(forHTTPHeaderField: "Retry-After").flatMap(TimeInterval.init) ?? 30
            throw OutboxDeliveryError("Slack \(method) is rate limited (retry after \(Int(after)) s)", permanent: false, retryAfter: after)
        }
        guard (200..<300).contains(http.statusCode) else {
            throw OutboxDeliveryError("Slack \(method) answered HTTP \(http.statusCode)", permanent: (400..<500).contains(http.statusCode))
        }
        let answer = Self.parse(Array(data))
        guard let answer, case .bool(let ok)? = answer["ok"] else {
            throw OutboxDeliveryError("Slack \(method) answered something that is not its JSON", permanent: false)
        }
        guard ok else {
            let error = answer["error"]?.stringValue ?? "unknown_error"
            throw OutboxDeliveryError("Slack \(method) failed: \(error)", permanent: !Self.retryableErrors.contains(error))
        }
        return answer
    }

    /// Posts a message to an interaction's `response_url` (no token: the URL itself is the
    /// credential Slack issued for this interaction).
    public func respond(to responseURL: String, _ body: JSONValue) async throws {
        guard let url = URL(string: responseURL), url.scheme == "https" || url.scheme == "http" else { return }
        var request = URLRequest(url: url, timeoutInterval: min(timeout, 3))
        request.httpMethod = "POST"
        var writer = JSONWriter(capacity: 512)
        writer.value(body)
        request.httpBody = Data(writer.bytes)
        request.setValue("application/json; charset=utf-8", forHTTPHeaderField: "Content-Type")
        _ = try await session.data(for: request)
    }

    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        try? bytes.withUnsafeBufferPointer { buffer throws(JSONError) -> JSONValue in
            var reader = JSONReader(buffer)
            return try reader.readValue()
        }
    }
}
