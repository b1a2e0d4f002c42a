import CountersignTestSupport
import Foundation

/// Runs the built `countersign` executable, feeding standard input and collecting its output.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
    }

    /// The executable built beside the test bundle.
    static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("countersign").path), directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("countersign")
    }

    /// Runs the built executable to its end, never on a cooperative thread (see `ChildProcess`).
    static func run(_ arguments: [String], input: String = "") async throws -> Result {
        let output = try await ChildProcess.run(executable.path, arguments, input: input)
        return Result(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    /// A temporary file holding `contents`.
    static func temporaryFile(_ contents: String, suffix: String = ".yaml") throws -> String {
        let path = NSTemporaryDirectory() + "countersign-\(UUID().uuidString)\(suffix)"
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
