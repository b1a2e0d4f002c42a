import CountersignTestSupport
import Foundation

/// The Python venv named by `COUNTERSIGN_TEST_VENV` (`.ci/run` creates it with `aiosmtpd` and
/// `twilio`). Tests that need a Python peer are skipped without it.
enum ChannelTestEnvironment {
    static var venv: String? {
        guard let path = ProcessInfo.processInfo.environment["COUNTERSIGN_TEST_VENV"], !path.isEmpty,
            FileManager.default.isExecutableFile(atPath: path + "/bin/python")
        else { return nil }
        return path
    }

    static let skipMessage = "COUNTERSIGN_TEST_VENV is not set to a venv with aiosmtpd and twilio (.ci/run creates one)"

    /// `Tests/ChannelPeers/<name>`
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("ChannelPeers/\(name)").path
    }

    /// Runs a command and returns its standard output; throws when it fails.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: String? = nil) async throws -> String {
        let run = try await ChildProcess.run(executable, arguments, input: input)
        guard run.status == 0 else { throw PeerFailure(description: "\(executable) \(arguments) failed: \(run.stderr)") }
        return run.stdout
    }
}

struct PeerFailure: Error, CustomStringConvertible { var description: String }

/// A real SMTP server (`aiosmtpd`, `Tests/ChannelPeers/smtp_server.py`) on a free loopback port,
/// optionally with STARTTLS (a self-signed certificate made for the test) and AUTH; the messages it
/// accepts are parsed by Python's `email` package and read back as JSON.
final class SMTPPeer: @unchecked Sendable {
    let port: Int
    let directory: String
    /// The PEM certificate clients must trust (when TLS is on).
    let certificate: String?
    private let process: Process
    private let input: Pipe

    init(tls: Bool, auth: (String, String)? = nil, loginOnly: Bool = false, rcptReply: String? = nil) async throws {
        guard let venv = ChannelTestEnvironment.venv else { throw PeerFailure(description: ChannelTestEnvironment.skipMessage) }
        directory = NSTemporaryDirectory() + "countersign-smtp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/out", withIntermediateDirectories: true)
        var arguments = [ChannelTestEnvironment.script("smtp_server.py"), directory + "/out"]
        if tls {
            try await ChannelTestEnvironment.run(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=DNS:localhost", "-days", "1",
                ])
            certificate = directory + "/cert.pem"
            arguments += ["--tls", directory + "/cert.pem", directory + "/key.pem"]
        } else {
            certificate = nil
        }
        if let auth { arguments += ["--auth", auth.0, auth.1] + (loginOnly ? ["--login-only"] : []) }
        if let rcptReply { arguments += ["--rcpt-reply", rcptReply] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: venv + "/bin/python")
        process.arguments = arguments
        let output = Pipe()
        input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        let handle = output.fileHandleForReading
        let line = try await blocking {
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = handle.availableData
                if chunk.isEmpty { throw PeerFailure(description: "the SMTP server did not start") }
                line.append(chunk)
            }
            return line
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("READY "), let port = Int(text.dropFirst(6)) else { throw PeerFailure(description: "unexpected: \(text)") }
        self.port = port
    }

    /// The messages received so far, in order.
    func messages() throws -> [[String: Any]] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory + "/out").filter { $0.hasSuffix(".json") }
            .sorted { Int($0.dropLast(5))! < Int($1.dropLast(5))! }
        return try files.map { name in
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/out/" + name))) as? [String: Any] ?? [:]
        }
    }

    /// Ends the server at once (SIGTERM) without waiting for it: it may be waiting for a client
    /// connection to close, and a blocking wait here holds a cooperative thread (on two cores, one
    /// of two); Foundation's `waitUntilExit` on Linux was also seen to miss the exit and spin.
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { if process.isRunning { process.terminate() } }
}
