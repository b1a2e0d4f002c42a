import ArgumentParser
import CountersignLogging
import CountersignMCP
import Foundation
import Logging

extension Countersign {
    /// `countersign mcp-proxy [--config FILE] [--http [--host H] [--port N] [--allow-origin O…]] -- <upstream command…>`
    struct MCPProxyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mcp-proxy",
            abstract: "Put Countersign in front of an MCP server: every tool call is proposed, and forwarded only when allowed.",
            discussion: """
                Speaks MCP on stdin/stdout to its client and spawns the upstream MCP server given after --. \
                The gateway URL, agent and agent key come from the configuration file and the environment \
                (COUNTERSIGN_URL, COUNTERSIGN_AGENT, COUNTERSIGN_AGENT_KEY). Logs go to stderr. \
                With --http it serves MCP's streamable HTTP transport on http://HOST:PORT/mcp instead \
                (loopback by default; any other address needs COUNTERSIGN_MCP_TOKEN, a bearer token \
                every client must send). See docs/mcp-proxy.md.
                """
        )

        @Option(help: "The proxy configuration (YAML or JSON).")
        var config: String?

        @Flag(help: "Serve MCP's streamable HTTP transport instead of stdio.")
        var http = false

        @Option(help: "With --http: the address to listen on (loopback unless COUNTERSIGN_MCP_TOKEN is set).")
        var host = "127.0.0.1"

        @Option(help: "With --http: the port (0 picks a free one; the listening line on stderr names it).")
        var port = 8766

        @Option(name: .customLong("allow-origin"), help: "With --http: a browser origin allowed besides loopback ones (repeatable).")
        var allowedOrigins: [String] = []

        @Argument(parsing: .postTerminator, help: "The upstream MCP server's command and arguments, after --.")
        var upstream: [String] = []

        func validate() throws {
            if upstream.isEmpty { throw ValidationError("give the upstream MCP server's command after --, e.g. mcp-proxy -- uvx mcp-server-time") }
        }

        func run() async throws {
            let configuration: ProxyConfiguration
            var serving = MCPProxy.Serving.stdio
            do {
                configuration = try ProxyConfiguration.load(path: config)
                if http {
                    let token = ProcessInfo.processInfo.environment[HTTPServing.tokenVariable].flatMap { $0.isEmpty ? nil : $0 }
                    serving = .http(try HTTPServing(host: host, port: port, bearerToken: token, allowedOrigins: allowedOrigins))
                }
            } catch {
                FileHandle.standardError.write(Data("countersign mcp-proxy: \(error)\n".utf8))
                throw ExitCode(2)
            }
            // stdout carries the protocol: every log line goes to stderr.
            LoggingSystem.bootstrap { label in
                LineLogHandler(label: label, level: ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info)
            }
            do {
                try await MCPProxy.run(
                    configuration: configuration, upstreamCommand: upstream, serving: serving, logger: Logger(label: "countersign.mcp-proxy"))
            } catch let error as ProxyConfigurationError {
                FileHandle.standardError.write(Data("countersign mcp-proxy: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
