import Foundation
import Logging
import MCP

#if canImport(System)
    import System
#else
    @preconcurrency import SystemPackage
#endif

/// The upstream MCP server: a child process whose stdin and stdout are pipes of ours (wired
/// explicitly: our own stdin belongs to our client), its stderr passed through to ours, and an
/// MCP client speaking to it over those pipes.
final class UpstreamProcess: @unchecked Sendable {
    let process: Process
    let client: Client
    private let toChild: Pipe
    private let fromChild: Pipe

    /// Launches `command` (looked up in `PATH` when it has no slash) and initialises the MCP session.
    static func launch(command: [String], logger: Logger) async throws -> (UpstreamProcess, Initialize.Result) {
        guard let executable = command.first else { throw ProxyConfigurationError(description: "no upstream command after --") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = Array(command.dropFirst())
        }
        let toChild = Pipe()
        let fromChild = Pipe()
        process.standardInput = toChild
        process.standardOutput = fromChild
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw ProxyConfigurationError(description: "cannot start the upstream \(executable): \(error.localizedDescription)")
        }
        let transport = StdioTransport(
            input: FileDescriptor(rawValue: fromChild.fileHandleForReading.fileDescriptor),
            output: FileDescriptor(rawValue: toChild.fileHandleForWriting.fileDescriptor), logger: logger)
        let client = Client(name: "countersign-mcp-proxy", version: "0.1.0")
        let upstream = UpstreamProcess(process: process, client: client, toChild: toChild, fromChild: fromChild)
        do {
            let initialized = try await client.connect(transport: transport)
            return (upstream, initialized)
        } catch {
            await upstream.stop(grace: .milliseconds(500))
            throw ProxyConfigurationError(description: "the upstream \(executable) did not complete the MCP handshake: \(error)")
        }
    }

    private init(process: Process, client: Client, toChild: Pipe, fromChild: Pipe) {
        self.process = process
        self.client = client
        self.toChild = toChild
        self.fromChild = fromChild
    }

    var isRunning: Bool { process.isRunning }

    /// Closes the upstream's stdin (its signal to exit), then SIGTERM after `grace`, then SIGKILL.
    func stop(grace: Duration = .seconds(2)) async {
        await client.disconnect()
        try? toChild.fileHandleForWriting.close()
        if await waitForExit(grace) { return }
        if process.isRunning { process.terminate() }
        if await waitForExit(grace) { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = await waitForExit(grace)
    }

    /// Waits for the process to exit; false when it still runs after `timeout`.
    func waitForExit(_ timeout: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning {
            if clock.now > deadline { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}
