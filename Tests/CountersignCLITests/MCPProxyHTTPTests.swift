import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `countersign mcp-proxy --http`: MCP's streamable HTTP transport, driven by the official Python
/// SDK's `streamable_http_client` and by raw HTTP requests for what a well-behaved client never sends.
@Suite(
    "MCP gating proxy over streamable HTTP", .serialized,
    .enabled(if: MCPTestEnvironment.venv != nil, Comment(rawValue: MCPTestEnvironment.skipMessage)))
struct MCPProxyHTTPTests {
    static let token = "cs_test_mcp_http_token_0123456789"

    /// A running `countersign mcp-proxy --http --port 0` in front of an upstream.
    final class HTTPProxy: @unchecked Sendable {
        let child: ServerProcess.Child
        let url: URL

        init(fixture: MCPProxyTests.Fixture, upstream: [String], extraArguments: [String] = [], environment: [String: String] = [:]) async throws {
            var merged = ["CS_MCP_AGENT_KEY": MCPProxyTests.agentKey, "PATH": MCPTestEnvironment.venv! + "/bin:/usr/bin:/bin"]
            merged.merge(environment) { _, new in new }
            child = try ServerProcess.Child.launch(
                arguments: ["mcp-proxy", "--config", fixture.proxyConfig, "--http", "--port", "0"] + extraArguments + ["--"] + upstream,
                environment: merged)
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(60)
            while true {
                if let line = child.stderr.text.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
                    let found = line.range(of: "http://").map({ URL(string: String(line[$0.lowerBound...]))! })
                {
                    url = found
                    break
                }
                if !child.isRunning || clock.now > deadline {
                    child.send(SIGKILL)
                    throw MCPDriver.Failure(description: "the HTTP proxy did not start:\n\(child.stderr.text)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        func driver() async throws -> MCPDriver {
            try await MCPDriver(venv: MCPTestEnvironment.venv!, arguments: ["--url", url.absoluteString], environment: [:])
        }

        func stop() async {
            child.send(SIGTERM)
            if await child.waitForExit(timeout: .seconds(10)) == nil { child.send(SIGKILL) }
        }
    }

    /// One raw request; the headers of the answer, its status and body.
    static func raw(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: [String: Any]? = nil
    ) async throws -> (status: Int, headers: [String: String], body: String) {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 10
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = try JSONSerialization.data(withJSONObject: body) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return (http.statusCode, fields, String(decoding: data, as: UTF8.self))
    }

    static let mcpHeaders = ["Accept": "application/json, text/event-stream", "Content-Type": "application/json"]
    static var initialize: [String: Any] {
        [
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": ["protocolVersion": "2025-06-18", "capabilities": [String: Any](), "clientInfo": ["name": "raw", "version": "1"]],
        ]
    }

    @Test("over HTTP: tools are listed, an auto call returns the upstream's result, an approve call streams progress until a human approves")
    func listAutoAndApprove() async throws {
        let fixture = try await MCPProxyTests.Fixture()
        defer { fixture.cleanUp() }
        let proxy = try await HTTPProxy(fixture: fixture, upstream: fixture.time)
        defer { proxy.child.send(SIGKILL) }
        let driver = try await proxy.driver()
        try driver.send(["op": "list"])
        let tools = try await driver.next { $0["event"] as? String == "tools" }
        #expect((tools["names"] as? [String] ?? []).contains("get_current_time"))
        try driver.send(["op": "call", "id": "t1", "name": "get_current_time", "arguments": ["timezone": "UTC"]])
        let auto = try await driver.result(of: "t1")
        #expect(auto["isError"] as? Bool == false, "\(auto)")
        #expect((auto["text"] as? String ?? "").contains("\"timezone\": \"UTC\""), "\(auto)")

        let arguments = ["source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"]
        try driver.send(["op": "call", "id": "c1", "name": "convert_time", "arguments": arguments, "progress": true])
        let first = try await driver.next { $0["event"] as? String == "progress" && $0["id"] as? String == "c1" }
        #expect((first["message"] as? String ?? "").contains("awaiting approval"))
        _ = try await driver.next { $0["event"] as? String == "progress" && $0["id"] as? String == "c1" }
        let items = try await fixture.pending()
        try #require(items.count == 1)
        let approvalID = try #require(items[0]["id"] as? String)
        #expect(!driver.events.contains { $0["id"] as? String == "c1" && $0["event"] as? String == "result" })
        try await fixture.decide(approvalID, "approve")
        let approved = try await driver.result(of: "c1")
        #expect(approved["isError"] as? Bool == false, "\(approved)")
        #expect((approved["text"] as? String ?? "").contains("Asia/Tokyo"), "\(approved)")
        let values = driver.events.filter { $0["event"] as? String == "progress" && $0["id"] as? String == "c1" }.compactMap {
            $0["progress"] as? Double
        }
        #expect(values.count >= 2 && values == values.sorted(), "\(values)")
        let consumed = try await fixture.approver.get("/v1/approvals/\(approvalID)")
        #expect(consumed["consumed_by"] as? String == "mcp-agent", "\(consumed)")
        await driver.stop()
        #expect(proxy.child.stderr.text.contains("session ended by the client"), "the client's DELETE ends its session")
        await proxy.stop()
    }

    @Test("progress goes on the call's own SSE response, before its result")
    func progressOnTheCallsStream() async throws {
        let fixture = try await MCPProxyTests.Fixture()
        defer { fixture.cleanUp() }
        let proxy = try await HTTPProxy(fixture: fixture, upstream: fixture.slowServer)
        defer { proxy.child.send(SIGKILL) }
        let opened = try await Self.raw("POST", proxy.url, headers: Self.mcpHeaders, body: Self.initialize)
        #expect(opened.status == 200, "\(opened)")
        let session = try #require(opened.headers["mcp-session-id"])
        var headers = Self.mcpHeaders
        headers["Mcp-Session-Id"] = session
        headers["MCP-Protocol-Version"] = "2025-06-18"
        _ = try await Self.raw("POST", proxy.url, headers: headers, body: ["jsonrpc": "2.0", "method": "notifications/initialized"])
        let call: [String: Any] = [
            "jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": [
                "name": "slow_count", "arguments": ["steps": 3, "pause": 0.05, "marker": fixture.folder + "/sse"],
                "_meta": ["progressToken": "tok-1"],
            ] as [String: Any],
        ]
        let answer = try await Self.raw("POST", proxy.url, headers: headers, body: call)
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("text/event-stream") == true, "\(answer.headers)")
        let messages = answer.body.components(separatedBy: "\n").filter { $0.hasPrefix("data: {") }.map { String($0.dropFirst(6)) }
        let parsed = messages.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let progress = parsed.filter { $0["method"] as? String == "notifications/progress" }
        #expect(progress.count == 3, "\(answer.body)")
        #expect(progress.allSatisfy { ($0["params"] as? [String: Any])?["progressToken"] as? String == "tok-1" })
        #expect(parsed.last?["id"] as? Int == 2, "the result comes last: \(answer.body)")
        // DELETE ends the session; the id is then unknown.
        let deleted = try await Self.raw("DELETE", proxy.url, headers: headers)
        #expect(deleted.status == 200)
        let after = try await Self.raw("POST", proxy.url, headers: headers, body: ["jsonrpc": "2.0", "id": 3, "method": "tools/list"])
        #expect(after.status == 404, "\(after)")
        await proxy.stop()
    }

    /// What the endpoint refuses, and what it lets through, as a table: (label, request headers, initialize?, expected status).
    static let refusals: [(String, [String: String], Bool, Int)] = [
        ("a loopback Origin", ["Origin": "http://localhost:5173"], true, 200),
        ("a foreign Origin (DNS rebinding)", ["Origin": "https://evil.example"], true, 403),
        ("a foreign Origin that starts like a loopback name", ["Origin": "http://localhost.evil.example"], true, 403),
        ("a foreign Origin that starts like a loopback address", ["Origin": "http://127.0.0.1.evil.example:8766"], true, 403),
        ("a foreign Host (DNS rebinding)", ["Host": "evil.example:80"], true, 403),
        ("an unknown session", ["Mcp-Session-Id": "no-such-session"], false, 404),
        ("no session and not initialize", [:], false, 400),
        ("an unsupported MCP-Protocol-Version", ["MCP-Protocol-Version": "1999-01-01"], false, 400),
        ("a client that does not accept SSE", ["Accept": "application/json"], true, 406),
    ]

    @Test("bad requests are refused with a clear status; good ones pass", arguments: refusals.indices)
    func refusedOrServed(row: Int) async throws {
        let (_, extra, isInitialize, status) = Self.refusals[row]
        let fixture = try await MCPProxyTests.Fixture()
        defer { fixture.cleanUp() }
        let proxy = try await HTTPProxy(fixture: fixture, upstream: fixture.time)
        defer { proxy.child.send(SIGKILL) }
        var headers = Self.mcpHeaders
        if extra["MCP-Protocol-Version"] != nil {
            // A real session, then a request with a version it does not speak.
            let opened = try await Self.raw("POST", proxy.url, headers: headers, body: Self.initialize)
            headers["Mcp-Session-Id"] = opened.headers["mcp-session-id"]
        }
        headers.merge(extra) { _, new in new }
        let body: [String: Any] = isInitialize ? Self.initialize : ["jsonrpc": "2.0", "id": 7, "method": "tools/list"]
        let answer = try await Self.raw("POST", proxy.url, headers: headers, body: body)
        #expect(answer.status == status, "\(Self.refusals[row].0): \(answer)")
        if status >= 400 { #expect(answer.body.contains("\"error\""), "\(answer.body)") }
        await proxy.stop()
    }

    @Test("a bearer token is required when set, and off loopback the proxy refuses to start without one")
    func bearerToken() async throws {
        let fixture = try await MCPProxyTests.Fixture()
        defer { fixture.cleanUp() }
        let proxy = try await HTTPProxy(fixture: fixture, upstream: fixture.time, environment: ["COUNTERSIGN_MCP_TOKEN": Self.token])
        defer { proxy.child.send(SIGKILL) }
        let missing = try await Self.raw("POST", proxy.url, headers: Self.mcpHeaders, body: Self.initialize)
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"] == "Bearer")
        var wrong = Self.mcpHeaders
        wrong["Authorization"] = "Bearer cs_test_mcp_http_token_0123456780"
        #expect(try await Self.raw("POST", proxy.url, headers: wrong, body: Self.initialize).status == 401)
        // The SDK's client with the token is served.
        let driver = try await MCPDriver(
            venv: MCPTestEnvironment.venv!, arguments: ["--url", proxy.url.absoluteString], environment: ["COUNTERSIGN_MCP_TOKEN": Self.token])
        try driver.send(["op": "list"])
        _ = try await driver.next { $0["event"] as? String == "tools" }
        await driver.stop()
        await proxy.stop()

        let open = try ServerProcess.Child.launch(
            arguments: ["mcp-proxy", "--config", fixture.proxyConfig, "--http", "--host", "0.0.0.0", "--port", "0", "--"] + fixture.time,
            environment: ["CS_MCP_AGENT_KEY": MCPProxyTests.agentKey, "COUNTERSIGN_MCP_TOKEN": ""])
        let status = await open.waitForExit(timeout: .seconds(30))
        #expect(status == 2)
        #expect(open.stderr.text.contains("COUNTERSIGN_MCP_TOKEN"), "\(open.stderr.text)")
    }
}
