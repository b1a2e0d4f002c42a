import CountersignClient
import Foundation
import Logging
import MCP

/// `countersign mcp-proxy`: an MCP server on stdio in front of an upstream MCP server that it
/// spawns. Tools are listed as the upstream lists them; every `tools/call` is proposed to the
/// Countersign gateway and forwarded only when the verdict or a human allows it.
public enum MCPProxy {
    /// Runs the proxy until our client closes stdin (or the upstream exits), then stops the upstream.
    ///
    /// - Throws: `ProxyConfigurationError` when the upstream cannot be started or initialised, or
    ///   when it exits on its own.
    public static func run(configuration: ProxyConfiguration, upstreamCommand: [String], logger: Logger) async throws {
        let (upstream, initialized) = try await UpstreamProcess.launch(command: upstreamCommand, logger: logger)
        let upstreamName = configuration.upstreamName ?? initialized.serverInfo.name
        var logger = logger
        logger[metadataKey: "mcp.upstream"] = "\(upstreamName)"
        logger.info(
            "upstream ready", metadata: ["upstream.pid": "\(upstream.process.processIdentifier)", "gateway.url": "\(configuration.gatewayURL)"])

        let relay = ProgressRelay()
        await upstream.client.onNotification(ProgressNotification.self) { message in await relay.relay(message.params) }
        let tools = ToolCatalog()
        let server = Server(
            name: "countersign-mcp-proxy", version: "0.1.0", title: "Countersign gate for \(upstreamName)",
            instructions: initialized.instructions, capabilities: .init(tools: .init(listChanged: false)))
        let gateway = CountersignClient(configuration: .init(baseURL: configuration.gatewayURL, agentKey: configuration.agentKey))
        let gate = ToolCallGate(
            configuration: configuration, upstreamName: upstreamName, gateway: gateway, ledger: ApprovalLedger(path: configuration.stateFile),
            forward: { name, arguments, progress in
                try await callUpstream(upstream.client, name: name, arguments: arguments, progress: progress, relay: relay)
            },
            toolLookup: { name in await tools.tool(named: name, refreshingWith: upstream.client) },
            logger: logger)

        await server.withMethodHandler(ListTools.self) { parameters in
            let result = try await upstream.client.send(ListTools.request(parameters)).value
            await tools.remember(result.tools)
            return result
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            let reporter = parameters._meta?.progressToken.map { token in
                ProgressReporter(token: token) { progress in try? await server.notify(ProgressNotification.message(progress)) }
            }
            return try await gate.call(parameters, progress: reporter)
        }
        try await server.start(transport: StdioTransport(logger: logger))

        let upstreamExited = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await server.waitUntilCompleted()
                return false
            }
            group.addTask {
                while upstream.isRunning, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(100)) }
                return !upstream.isRunning
            }
            let first = await group.next() ?? false
            if first { await server.stop() }
            group.cancelAll()
            return first
        }
        if upstreamExited {
            let status = upstream.process.terminationStatus
            await server.stop()
            throw ProxyConfigurationError(description: "the upstream MCP server exited (status \(status))")
        }
        logger.info("client closed the connection; stopping the upstream")
        await upstream.stop()
    }

    /// Calls the upstream tool; cancelling the calling task sends `notifications/cancelled` upstream.
    static func callUpstream(
        _ client: Client, name: String, arguments: [String: Value]?, progress: ProgressReporter?, relay: ProgressRelay
    ) async throws -> CallTool.Result {
        var meta: Metadata?
        var routed: ProgressToken?
        if let progress {
            routed = await relay.route(to: progress)
            meta = Metadata(progressToken: routed)
        }
        let context = try await client.send(CallTool.request(.init(name: name, arguments: arguments, meta: meta)))
        do {
            let result = try await withTaskCancellationHandler {
                try await context.value
            } onCancel: {
                Task { try? await client.cancelRequest(context.requestID, reason: "cancelled by the client of the Countersign proxy") }
            }
            if let routed { await relay.remove(routed) }
            return result
        } catch {
            if let routed { await relay.remove(routed) }
            throw error
        }
    }
}

/// The upstream's tools as last listed (for annotations of trusted upstreams).
actor ToolCatalog {
    private var tools: [String: Tool] = [:]
    private var listed = false

    func remember(_ list: [Tool]) {
        for tool in list { tools[tool.name] = tool }
        listed = true
    }

    func tool(named name: String, refreshingWith client: Client) async -> Tool? {
        if tools[name] == nil, !listed, let result = try? await client.send(ListTools.request(.init())).value {
            remember(result.tools)
        }
        return tools[name]
    }
}
