import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import ServiceLifecycle

/// The proxy over MCP's streamable HTTP transport: `POST`, `GET` and `DELETE` on `/mcp`, served
/// with Hummingbird. Each session (`Mcp-Session-Id`, issued on `initialize`) has its own MCP
/// server on the SDK's `StatefulHTTPServerTransport`; all share the upstream and the gate.
/// A `tools/call` answers as an SSE stream that carries the call's progress notifications
/// (while an approval is awaited, and the upstream's) and then its result. `DELETE` ends the session.
///
/// Before the transport sees a request: the bearer token (when configured), `Origin` and, on
/// loopback, `Host` (DNS-rebinding protection), and the body size. The transport then checks
/// `Accept`, `Content-Type`, `MCP-Protocol-Version` and the session.
final class StreamableHTTPEndpoint: Sendable {
    let serving: HTTPServing
    let factory: GatedServerFactory
    let logger: Logger
    private let sessions = SessionTable()

    init(serving: HTTPServing, factory: GatedServerFactory, logger: Logger) {
        self.serving = serving
        self.factory = factory
        self.logger = logger
    }

    /// Serves until SIGINT/SIGTERM (or cancellation).
    func run() async throws {
        let router = Router()
        router.post(RouterPath(HTTPServing.path)) { request, _ in try await self.handle(request) }
        router.get(RouterPath(HTTPServing.path)) { request, _ in try await self.handle(request) }
        router.delete(RouterPath(HTTPServing.path)) { request, _ in try await self.handle(request) }
        let serving = serving
        let application = Application(
            router: router, configuration: .init(address: .hostname(serving.host, port: serving.port), serverName: "countersign-mcp-proxy"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? serving.port
                let host = serving.host.contains(":") ? "[\(serving.host)]" : serving.host
                // The one line a supervisor (or a test) reads to find the endpoint; logs follow on stderr.
                FileHandle.standardError.write(Data("countersign mcp-proxy: listening on http://\(host):\(port)\(HTTPServing.path)\n".utf8))
            },
            logger: logger)
        // Shutdown runs in reverse order: the sessions end first (closing their open SSE
        // streams), then the HTTP server stops without waiting on streams that never end.
        let group = ServiceGroup(
            configuration: .init(
                services: [application, SessionCloser(endpoint: self)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Ends every session (their streams close, their servers stop).
    func closeAllSessions() async {
        for session in await sessions.removeAll() { await session.close() }
    }

    // MARK: - Requests

    private func handle(_ request: Hummingbird.Request) async throws -> Hummingbird.Response {
        if let token = serving.bearerToken, !Self.bearer(request.headers[.authorization], matches: token) {
            return Self.error(401, "Unauthorized: a valid bearer token is required", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard serving.allows(origin: request.headers[.origin]) else {
            logger.warning("refused a request from a foreign origin", metadata: ["origin": "\(request.headers[.origin] ?? "")"])
            return Self.error(403, "Forbidden: Origin not allowed")
        }
        guard serving.allows(hostHeader: request.head.authority) else {
            return Self.error(403, "Forbidden: Host not allowed")
        }
        let body: Data?
        do {
            let buffer = try await request.body.collect(upTo: serving.maximumBodyBytes)
            body = buffer.readableBytes > 0 ? Data(buffer.readableBytesView) : nil
        } catch {
            return Self.error(413, "Payload Too Large: the body exceeds \(serving.maximumBodyBytes) bytes")
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        let mcpRequest = MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body, path: request.uri.path)

        let session: HTTPSession
        if let id = mcpRequest.header(HTTPHeaderName.sessionID) {
            guard let known = await sessions[id] else { return Self.error(404, "Not Found: Invalid or expired session ID") }
            session = known
        } else {
            guard request.method == .post, let body, Self.isInitialize(body) else {
                return Self.error(400, "Bad Request: Missing \(HTTPHeaderName.sessionID) header")
            }
            guard await sessions.count < serving.maximumSessions else {
                return Self.error(503, "Service Unavailable: too many sessions; end one with DELETE")
            }
            return try await initialize(mcpRequest)
        }

        // A tools/call with a progress token: its notifications go on its own response stream,
        // into the same stream its result will take (so they arrive first).
        let progressKey = request.method == .post ? body.flatMap(Self.progressKey) : nil
        let merged = AsyncStream<Data>.makeStream(bufferingPolicy: .unbounded)
        if let progressKey { await session.calls.open(progressKey, merged.continuation) }
        let response = await session.transport.handleRequest(mcpRequest)
        if request.method == .delete, response.statusCode == 200 {
            await sessions.remove(session.id)
            await session.close()
            logger.info("session ended by the client", metadata: ["mcp.session": "\(session.id)"])
        }
        return convert(response, merged: merged) { if let progressKey { await session.calls.close(progressKey) } }
    }

    private func initialize(_ request: MCP.HTTPRequest) async throws -> Hummingbird.Response {
        let transport = StatefulHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                AcceptHeaderValidator(mode: .sseRequired), ContentTypeValidator(), ProtocolVersionValidator(), SessionValidator(),
            ]),
            logger: logger)
        let calls = CallStreams()
        let server = await factory.makeServer { server, progress in
            guard let data = try? JSONEncoder().encode(ProgressNotification.message(progress)) else { return }
            if await calls.send(Self.key(progress.progressToken), data) == false { try? await server.notify(ProgressNotification.message(progress)) }
        }
        try await server.start(transport: transport)
        let response = await transport.handleRequest(request)
        guard let id = response.headers.first(where: { $0.key.lowercased() == HTTPHeaderName.sessionID.lowercased() })?.value,
            response.statusCode == 200
        else {
            await server.stop()
            return convert(response, merged: AsyncStream<Data>.makeStream()) {}
        }
        await sessions.insert(HTTPSession(id: id, transport: transport, server: server, calls: calls))
        logger.info("session started", metadata: ["mcp.session": "\(id)"])
        return convert(response, merged: AsyncStream<Data>.makeStream()) {}
    }

    /// The SDK's response as Hummingbird's; an SSE stream goes through `merged`, where the
    /// call's progress events were (and are) yielded too.
    private func convert(
        _ response: MCP.HTTPResponse, merged: (stream: AsyncStream<Data>, continuation: AsyncStream<Data>.Continuation),
        onEnd: @escaping @Sendable () async -> Void
    ) -> Hummingbird.Response {
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        let status = Hummingbird.HTTPResponse.Status(code: response.statusCode)
        guard case .stream(let stream, _) = response else {
            merged.continuation.finish()
            Task { await onEnd() }
            let body = response.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
            return Hummingbird.Response(status: status, headers: fields, body: body)
        }
        fields[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Hummingbird.Response(
            status: status, headers: fields,
            body: ResponseBody { writer in
                let pump = Task {
                    do { for try await chunk in stream { merged.continuation.yield(chunk) } } catch {}
                    merged.continuation.finish()
                }
                defer {
                    pump.cancel()
                    merged.continuation.finish()
                }
                for await chunk in merged.stream { try await writer.write(ByteBuffer(bytes: chunk)) }
                await onEnd()
                try await writer.finish(nil)
            })
    }

    // MARK: - Helpers

    static func error(_ status: Int, _ message: String, headers: HTTPFields = [:]) -> Hummingbird.Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let body =
            (try? JSONSerialization.data(withJSONObject: ["jsonrpc": "2.0", "error": ["code": -32600, "message": message], "id": NSNull()])) ?? Data()
        return Hummingbird.Response(status: .init(code: status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func bearer(_ header: String?, matches token: String) -> Bool {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return false }
        let presented = SHA256.hash(data: Data(header.dropFirst(7).trimmingCharacters(in: .whitespaces).utf8))
        let expected = SHA256.hash(data: Data(token.utf8))
        // Equal-length digests compared without an early exit.
        return zip(presented, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func isInitialize(_ body: Data) -> Bool {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["method"] as? String == "initialize"
    }

    /// The progress token of a `tools/call` request, as a routing key.
    static func progressKey(_ body: Data) -> String? {
        guard let message = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any], message["method"] as? String == "tools/call",
            message["id"] != nil, let meta = (message["params"] as? [String: Any])?["_meta"] as? [String: Any]
        else { return nil }
        switch meta["progressToken"] {
        case let text as String: return key(.string(text))
        case let number as Int: return key(.integer(number))
        default: return nil
        }
    }

    static func key(_ token: ProgressToken) -> String {
        switch token {
        case .string(let text): "s:" + text
        case .integer(let number): "i:\(number)"
        }
    }
}

/// Ends every session when the proxy shuts down.
struct SessionCloser: Service {
    let endpoint: StreamableHTTPEndpoint

    func run() async throws {
        try? await gracefulShutdown()
        await endpoint.closeAllSessions()
    }
}

/// One client's session: its transport, its MCP server, and the progress streams of its calls.
final class HTTPSession: Sendable {
    let id: String
    let transport: StatefulHTTPServerTransport
    let server: MCP.Server
    let calls: CallStreams

    init(id: String, transport: StatefulHTTPServerTransport, server: MCP.Server, calls: CallStreams) {
        self.id = id
        self.transport = transport
        self.server = server
        self.calls = calls
    }

    func close() async {
        await calls.closeAll()
        await transport.disconnect()
        await server.stop()
    }
}

/// The open sessions by id.
actor SessionTable {
    private var sessions: [String: HTTPSession] = [:]

    subscript(id: String) -> HTTPSession? { sessions[id] }
    var count: Int { sessions.count }
    func insert(_ session: HTTPSession) { sessions[session.id] = session }
    func remove(_ id: String) { sessions[id] = nil }
    func removeAll() -> [HTTPSession] {
        defer { sessions.removeAll() }
        return Array(sessions.values)
    }
}

/// The SSE streams of a session's calls in flight, by progress token: where their progress goes.
actor CallStreams {
    private var streams: [String: AsyncStream<Data>.Continuation] = [:]

    func open(_ key: String, _ continuation: AsyncStream<Data>.Continuation) { streams[key] = continuation }

    func close(_ key: String) { streams.removeValue(forKey: key)?.finish() }

    func closeAll() {
        for continuation in streams.values { continuation.finish() }
        streams.removeAll()
    }

    /// Sends a notification on the call's stream as an SSE event; false when no such call is open.
    func send(_ key: String, _ message: Data) -> Bool {
        guard let continuation = streams[key] else { return false }
        if case .terminated = continuation.yield(Data("event: message\ndata: ".utf8) + message + Data("\n\n".utf8)) { return false }
        return true
    }
}
