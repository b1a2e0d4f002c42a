import CountersignClient
import Foundation
import Logging
import MCP

/// `countersign mcp-proxy`: an MCP server on stdio in front of an upstream MCP server that it
/// spawns. Tools are listed as the upstream lists them; every `tools/call` is proposed to the
/// Countersign gateway and forwarded only when the verdict or a human allows it.
public enum MCPProxy {
    /// How the proxy's own client reaches it.
    public enum Serving: Sendable {
        /// MCP on stdin/stdout (one client: the process that started us).
        case stdio
        /// MCP's streamable HTTP transport (sessions, SSE), see `HTTPServing`.
        case http(HTTPServing)
    }

    /// Runs the proxy on stdio until our client closes stdin (or the upstream exits), then stops the upstream.
    public static func run(configuration: ProxyConfiguration, upstreamCommand: [String], logger: Logger) async throws {
        try await run(configuration: configuration, upstreamCommand: upstreamCommand, serving: .stdio, logger: logger)
    }

    /// Runs the proxy until its client goes (stdio: stdin closes; HTTP: SIGINT/SIGTERM) or the
    /// upstream exits, then stops the upstream.
    ///
    /// - Throws: `ProxyConfigurationError` when the upstream cannot be started or initialised, or
    ///   when it exits on its own; the HTTP server's errors (e.g. the port is taken).
    public static func run(configuration: ProxyConfiguration, upstreamCommand: [String], serving: Serving, logger: Logger) async throws {
        let (upstream, initialized) = try await UpstreamProcess.launch(command: upstreamCommand, logger: logger)
        let upstreamName = configuration.upstreamName ?? initialized.serverInfo.name
        var logger = logger
        logger[metadataKey: "mcp.upstream"] = "\(upstreamName)"
        logger.info(
            "upstream ready", metadata: ["upstream.pid": "\(upstream.process.processIdentifier)", "gateway.url": "\(configuration.gatewayURL)"])

        let relay = ProgressRelay()
        await upstream.client.onNotification(ProgressNotification.self) { message in await relay.relay(message.params) }
        let tools = ToolCatalog()
        let gateway = CountersignClient(configuration: .init(baseURL: configuration.gatewayURL, agentKey: configuration.agentKey))
        let gate = ToolCallGate(
            configuration: configuration, upstreamName: upstreamName, gateway: gateway, ledger: ApprovalLedger(path: configuration.stateFile),
            forward: { name, arguments, progress in
                try await callUpstream(upstream.client, name: name, arguments: arguments, progress: progress, relay: relay)
            },
            toolLookup: { name in await tools.tool(named: name, refreshingWith: upstream.client) },
            logger: logger)
        let factory = GatedServerFactory(
            upstreamName: upstreamName, instructions: initialized.instructions, upstream: upstream.client, tools: tools, gate: gate)

        let ending: Ending
        switch serving {
        case .stdio:
            let server = await factory.makeServer { server, progress in try? await server.notify(ProgressNotification.message(progress)) }
            try await server.start(transport: StdioTransport(logger: logger))
            ending = await serveUntilUpstreamExits(upstream) { await server.waitUntilCompleted() }
            await server.stop()
        case .http(let serving):
            let endpoint = StreamableHTTPEndpoint(serving: serving, factory: factory, logger: logger)
            ending = await serveUntilUpstreamExits(upstream) { try await endpoint.run() }
            await endpoint.closeAllSessions()
        }
        switch ending {
        case .clientGone:
            logger.info("client gone; stopping the upstream")
            await upstream.stop()
        case .failed(let error):
            await upstream.stop()
            throw error
        case .upstreamExited:
            throw ProxyConfigurationError(description: "the upstream MCP server exited (status \(upstream.process.terminationStatus))")
        }
    }

    private enum Ending: Sendable {
        case clientGone, upstreamExited
        case failed(any Error)
    }

    /// Runs `serve` until it returns or the upstream exits, whichever comes first.
    private static func serveUntilUpstreamExits(_ upstream: UpstreamProcess, _ serve: @escaping @Sendable () async throws -> Void) async -> Ending {
        await withTaskGroup(of: Ending.self) { group in
            group.addTask {
                do {
                    try await serve()
                    return .clientGone
                } catch {
                    return .failed(error)
                }
            }
            group.addTask {
                while upstream.isRunning, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(100)) }
                return upstream.isRunning ? .clientGone : .upstreamExited
            }
            let first = await group.next() ?? .clientGone
            group.cancelAll()
            return first
        }
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
