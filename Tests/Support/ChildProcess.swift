import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A command run to its end: its exit status and what it wrote.
public struct ChildOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs helper commands (psql, pg_ctl, git, openssl, a Python peer, the built `countersign`) for
/// tests, never on a cooperative thread: the wait happens in `blocking`.
public enum ChildProcess {
    /// Runs `executable` to its end: `input` is written to its standard input (then closed) while
    /// stdout and stderr are read, so no pipe fills up; a child still running after `timeout` is
    /// killed and the run throws.
    public static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
        directory: String? = nil, timeout: TimeInterval = 300
    ) async throws -> ChildOutput {
        try await blocking {
            try runBlocking(executable, arguments, input: input, environment: environment, directory: directory, timeout: timeout)
        }
    }

    /// `run`, on the calling thread: only for a cleanup that cannot await (a `defer`, a `deinit`).
    public static func runBlocking(
        _ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:],
        directory: String? = nil, timeout: TimeInterval = 300
    ) throws -> ChildOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        // A command that exits before reading all its input must not end the tests with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        try process.run()
        let writer = Thread {
            if let input { try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        // Both pipes are read on threads of their own, so the wait below (and its timeout, which
        // kills the child and so ends the pipes) holds even when the child never closes them.
        let output = LockedData()
        let errors = LockedData()
        Thread { output.set(readAll(stdout.fileHandleForReading.fileDescriptor)) }.start()
        Thread { errors.set(readAll(stderr.fileHandleForReading.fileDescriptor)) }.start()
        let status = try process.exitStatus(within: timeout)
        return ChildOutput(
            status: status, stdout: String(decoding: output.wait(), as: UTF8.self), stderr: String(decoding: errors.wait(), as: UTF8.self))
    }

    /// Reads a descriptor to its end, retrying on EINTR (FileHandle's own reader traps on it).
    public static func readAll(_ descriptor: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }
}

/// Bytes one thread hands another once.
final class LockedData: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func set(_ value: Data) {
        condition.lock()
        data = value
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `set` has been called.
    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data!
    }
}
