import MCP

/// Makes the MCP server the proxy's client talks to: tools listed as the upstream lists them,
/// every `tools/call` decided by the gate. One server for stdio; one per session over HTTP.
struct GatedServerFactory: Sendable {
    /// Sends one progress notification for a call (stdio: `server.notify`; HTTP: the call's own SSE stream).
    typealias SendProgress = @Sendable (Server, ProgressNotification.Parameters) async -> Void

    let upstreamName: String
    let instructions: String?
    let upstream: Client
    let tools: ToolCatalog
    let gate: ToolCallGate

    func makeServer(sendProgress: @escaping SendProgress) async -> Server {
        let server = Server(
            name: "countersign-mcp-proxy", version: "0.1.0", title: "Countersign gate for \(upstreamName)",
            instructions: instructions, capabilities: .init(tools: .init(listChanged: false)))
        let upstream = upstream
        let tools = tools
        let gate = gate
        await server.withMethodHandler(ListTools.self) { parameters in
            let result = try await upstream.send(ListTools.request(parameters)).value
            await tools.remember(result.tools)
            return result
        }
        await server.withMethodHandler(CallTool.self) { [weak server] parameters in
            // Held strongly only while the call runs (the server owns this handler).
            guard let current = server else { throw MCPError.connectionClosed }
            let reporter = parameters._meta?.progressToken.map { token in
                ProgressReporter(token: token) { progress in await sendProgress(current, progress) }
            }
            return try await gate.call(parameters, progress: reporter)
        }
        return server
    }
}
