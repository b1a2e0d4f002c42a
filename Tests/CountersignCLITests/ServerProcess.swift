import CountersignTestSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `countersign serve` child process for process-level tests: the built executable (found like
/// `CLIRunner.executable`), on its own SQLite file in a temporary folder and a free loopback port,
/// with an optional configuration file and extra environment.
///
/// `start()` returns once the HTTP socket is bound: `serve` prints "countersign is listening" once it
/// is, and Hummingbird logs "Server started and listening" on stderr (the child runs with
/// `LOG_LEVEL=info` unless told otherwise); both are waited for. When the port turns out to be taken,
/// another random port in 20000–60000 is tried.
///
/// On the first start without a configuration, the trial agent key and approver token are parsed
/// from stdout and kept for later restarts on the same database (which do not print them again).
final class ServerProcess: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The folder holding the database (and anything else the test puts there); removed by `cleanUp()`.
    let directory: String
    let databasePath: String
    let configPath: String?
    let environment: [String: String]
    /// The database options, when not the SQLite file (`["--postgres", URL]` for a replica).
    let databaseArguments: [String]?
    /// The port of the current (or last) run.
    private(set) var port: Int = 0
    /// The trial credentials printed at first start; nil when a configuration names the credentials.
    private(set) var agentKey: String?
    private(set) var approverToken: String?
    /// How many times the server has been started (successful starts only).
    private(set) var starts = 0
    private var child: Child?

    /// A server not yet started; call `start()`.
    init(
        configPath: String? = nil, environment: [String: String] = [:], directory: String? = nil, databaseArguments: [String]? = nil
    ) throws {
        let directory = directory ?? Self.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.databasePath = (directory as NSString).appendingPathComponent("countersign.db")
        self.configPath = configPath
        self.environment = environment
        self.databaseArguments = databaseArguments
    }

    /// Creates and starts a server.
    static func start(configPath: String? = nil, environment: [String: String] = [:]) async throws -> ServerProcess {
        let server = try ServerProcess(configPath: configPath, environment: environment)
        do {
            try await server.start()
        } catch {
            server.cleanUp()
            throw error
        }
        return server
    }

    deinit {
        if let child, child.isRunning { child.send(SIGKILL) }
    }

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    var isRunning: Bool { child?.isRunning ?? false }
    var processIdentifier: Int32? { child?.process.processIdentifier }
    /// What the current (or last) run wrote so far.
    var stdout: String { child?.stdout.text ?? "" }
    var stderr: String { child?.stderr.text ?? "" }

    /// A client for this run (make a new one after a restart: the port may have changed).
    func client(token: String?) -> HTTPClient { HTTPClient(baseURL: baseURL, token: token) }
    /// The trial agent's client.
    var agent: HTTPClient { client(token: agentKey) }
    /// The trial approver's client.
    var approver: HTTPClient { client(token: approverToken) }

    /// Starts (or restarts, after `kill9()` or `terminate()`) the server on the same database.
    /// The previous port is tried first on a restart.
    func start(timeout: Duration = .seconds(60)) async throws {
        if let child, child.isRunning { throw Failure(description: "the server is already running (pid \(child.process.processIdentifier))") }
        var failures: [String] = []
        for attempt in 0..<8 {
            if port == 0 || attempt > 0 { port = Int.random(in: 20000...60000) }
            var arguments = ["serve"] + (databaseArguments ?? ["--db", databasePath]) + ["--host", "127.0.0.1", "--port", String(port)]
            if let configPath { arguments += ["--config", configPath] }
            var environment = ["LOG_LEVEL": "info"]
            environment.merge(self.environment) { _, new in new }
            let child = try Child.launch(arguments: arguments, environment: environment)
            self.child = child
            let clock = ContinuousClock()
            let deadline = clock.now + timeout
            while true {
                let out = child.stdout.text
                let err = child.stderr.text
                if out.contains("is listening"), err.contains("Server started and listening") {
                    if let key = Self.capture("agent key", in: out) { agentKey = key }
                    if let token = Self.capture("approver token", in: out) { approverToken = token }
                    starts += 1
                    return
                }
                if !child.isRunning {
                    let status = await child.waitForExit(timeout: .seconds(5))
                    await child.drain(timeout: .seconds(2))
                    let description = "serve exited with \(status.map(String.init) ?? "?") on port \(port):\n\(child.stdout.text)\(child.stderr.text)"
                    if child.stderr.text.contains("is already in use") {
                        // A run that cannot bind keeps and shows no trial credentials: try another port.
                        failures.append(description)
                        break
                    }
                    throw Failure(description: description)
                }
                if clock.now > deadline {
                    child.send(SIGKILL)
                    throw Failure(description: "serve did not start within \(timeout):\n\(out)\(err)")
                }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        throw Failure(description: "no free port after 8 tries:\n" + failures.joined(separator: "\n"))
    }

    /// SIGKILL: no chance to flush, close or checkpoint anything. Returns once the process is gone.
    func kill9() async {
        guard let child, child.isRunning else { return }
        child.send(SIGKILL)
        _ = await child.waitForExit(timeout: .seconds(10))
    }

    /// SIGTERM, then waits up to `timeout` for the process to exit. Returns its exit status (128 +
    /// the signal number when a signal ended it), or nil when it was still running at the timeout
    /// (it is left running; `kill9()` or `cleanUp()` ends it).
    @discardableResult
    func terminate(timeout: Duration = .seconds(10)) async -> Int32? {
        guard let child else { return nil }
        guard child.isRunning else { return child.exitStatus }
        child.send(SIGTERM)
        return await child.waitForExit(timeout: timeout)
    }

    /// Kills the process if it still runs and removes the temporary folder.
    func cleanUp() {
        if let child, child.isRunning {
            child.send(SIGKILL)
            _ = try? child.process.exitStatus(within: 30)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func temporaryDirectory() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("countersign-test-\(UUID().uuidString)")
    }

    /// The secret after `<label> (<name>):` in the trial banner.
    static func capture(_ label: String, in text: String) -> String? {
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix(label + " ("), let colon = trimmed.range(of: "):") else { continue }
            let value = trimmed[colon.upperBound...].trimmingCharacters(in: .whitespaces)
            if !value.isEmpty { return value }
        }
        return nil
    }
}

extension ServerProcess {
    /// A launched `countersign` process whose stdout and stderr are read as they come, so it never
    /// blocks on a full pipe. Waits poll, so they never block Swift concurrency's threads.
    final class Child: @unchecked Sendable {
        let process: Process
        let stdout = OutputCollector()
        let stderr = OutputCollector()

        private init(process: Process) { self.process = process }

        /// Starts `executable` (the built `countersign` unless told otherwise).
        static func launch(arguments: [String], environment: [String: String], executable: URL = CLIRunner.executable) throws -> Child {
            signal(SIGPIPE, SIG_IGN)
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            var merged = ProcessInfo.processInfo.environment
            merged.merge(environment) { _, new in new }
            process.environment = merged
            let out = Pipe()
            let err = Pipe()
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = out
            process.standardError = err
            let child = Child(process: process)
            try process.run()
            child.stdout.start(reading: out.fileHandleForReading)
            child.stderr.start(reading: err.fileHandleForReading)
            return child
        }

        var isRunning: Bool { process.isRunning }

        func send(_ signal: Int32) {
            if process.isRunning { kill(process.processIdentifier, signal) }
        }

        /// The exit status once it has exited (128 + signal when a signal ended it).
        var exitStatus: Int32? {
            guard !process.isRunning else { return nil }
            return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        }

        /// Waits for the process to exit; nil when it still runs at the timeout.
        func waitForExit(timeout: Duration) async -> Int32? {
            let clock = ContinuousClock()
            let deadline = clock.now + timeout
            while process.isRunning {
                if clock.now > deadline { return nil }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return exitStatus
        }

        /// Waits (a bounded time) for both pipes to reach their end after the process exited.
        func drain(timeout: Duration) async {
            let clock = ContinuousClock()
            let deadline = clock.now + timeout
            while !(stdout.isFinished && stderr.isFinished), clock.now < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }

        /// Runs `executable` (the built `countersign` unless told otherwise) to its end, killing it at the timeout.
        static func run(
            _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(30), executable: URL = CLIRunner.executable
        ) async throws -> (status: Int32?, stdout: String, stderr: String) {
            let child = try launch(arguments: arguments, environment: environment, executable: executable)
            let status = await child.waitForExit(timeout: timeout)
            if status == nil {
                child.send(SIGKILL)
                _ = await child.waitForExit(timeout: .seconds(5))
            }
            await child.drain(timeout: .seconds(2))
            return (status, child.stdout.text, child.stderr.text)
        }
    }

    /// Collects what a pipe delivers, on its own thread, until the end of the stream.
    final class OutputCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        private var finished = false

        func start(reading handle: FileHandle) {
            let thread = Thread { [self] in
                let descriptor = handle.fileDescriptor
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if count > 0 {
                        lock.withLock { data.append(contentsOf: buffer[0..<count]) }
                    } else if count == 0 || errno != EINTR {
                        break
                    }
                }
                try? handle.close()
                lock.withLock { finished = true }
            }
            thread.start()
        }

        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
        var isFinished: Bool { lock.withLock { finished } }
    }
}
