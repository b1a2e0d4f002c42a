import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The Python virtual environment with the official MCP SDK (`mcp` 2.x) and the upstream servers
/// `mcp-server-time` and `mcp-server-git`, named by `COUNTERSIGN_TEST_VENV` (`.ci/run` creates it
/// and exports the variable). Tests that need it are skipped when it is absent.
enum MCPTestEnvironment {
    static var venv: String? {
        guard let path = ProcessInfo.processInfo.environment["COUNTERSIGN_TEST_VENV"], !path.isEmpty,
            FileManager.default.isExecutableFile(atPath: path + "/bin/python")
        else { return nil }
        return path
    }

    static let skipMessage = "COUNTERSIGN_TEST_VENV is not set to a venv with mcp, mcp-server-time and mcp-server-git (.ci/run creates one)"

    /// `Tests/MCPProxyScenarios/driver.py`
    static var driverScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MCPProxyScenarios/driver.py").path
    }
}

/// The Python MCP client (`driver.py`) running `countersign mcp-proxy` in front of an upstream,
/// driven by JSON commands; its JSON events are read as they come.
final class MCPDriver: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    let process: Process
    let stdout = ServerProcess.OutputCollector()
    let stderr = ServerProcess.OutputCollector()
    private let input: FileHandle
    private let lock = NSLock()
    private var consumed = Set<Int>()

    /// Starts the client, which starts `countersign mcp-proxy --config <config> -- <upstream…>`,
    /// and waits for the MCP handshake.
    convenience init(venv: String, config: String, upstream: [String], environment: [String: String]) async throws {
        try await self.init(
            venv: venv, arguments: ["--", CLIRunner.executable.path, "mcp-proxy", "--config", config, "--"] + upstream, environment: environment)
    }

    /// Starts the client with these arguments (`-- command…` for stdio, `--url URL` for streamable HTTP).
    init(venv: String, arguments: [String], environment: [String: String]) async throws {
        signal(SIGPIPE, SIG_IGN)
        process = Process()
        process.executableURL = URL(fileURLWithPath: venv + "/bin/python")
        process.arguments = [MCPTestEnvironment.driverScript] + arguments
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        merged["PATH"] = venv + "/bin:" + (merged["PATH"] ?? "/usr/bin:/bin")
        process.environment = merged
        let stdinPipe = Pipe()
        let out = Pipe()
        let err = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = out
        process.standardError = err
        input = stdinPipe.fileHandleForWriting
        try process.run()
        stdout.start(reading: out.fileHandleForReading)
        stderr.start(reading: err.fileHandleForReading)
        _ = try await next(timeout: .seconds(60)) { $0["event"] as? String == "ready" }
    }

    /// Sends one command.
    func send(_ command: [String: any Sendable]) throws {
        var line = try JSONSerialization.data(withJSONObject: command, options: [.sortedKeys])
        line.append(UInt8(ascii: "\n"))
        try input.write(contentsOf: line)
    }

    /// Every event so far.
    var events: [[String: Any]] {
        stdout.text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// The first not yet returned event that matches, waiting for it.
    func next(timeout: Duration = .seconds(30), _ matches: ([String: Any]) -> Bool) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            for (index, event) in events.enumerated() where matches(event) {
                let fresh = lock.withLock { consumed.insert(index).inserted }
                if fresh { return event }
            }
            if clock.now > deadline || !process.isRunning {
                throw Failure(description: "no matching event within \(timeout); events:\n\(stdout.text)\nstderr:\n\(stderr.text.suffix(4000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The result (or error) event of a call.
    func result(of id: String, timeout: Duration = .seconds(60)) async throws -> [String: Any] {
        try await next(timeout: timeout) { ["result", "error"].contains($0["event"] as? String) && $0["id"] as? String == id }
    }

    /// Ends the session (the client closes the proxy's stdin; the proxy stops the upstream).
    func stop() async {
        try? send(["op": "quit"])
        try? input.close()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while process.isRunning, clock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
