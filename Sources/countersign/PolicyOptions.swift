import ArgumentParser
import CountersignConfig
import CountersignCore
import Foundation

/// `--policy FILE`, shared by the commands that decide.
struct PolicyOptions: ParsableArguments {
    @Option(name: .long, help: "A policy file (YAML); the built-in default policy when omitted.")
    var policy: String?

    /// The policy, or exit 2 with every problem of the file on standard error.
    func load() throws -> Policy {
        guard let path = policy else { return .default }
        do {
            return try PolicyFile.load(path: path)
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(2)
        }
    }
}

/// An input file opened for reading, or standard input.
struct InputFile {
    let descriptor: Int32
    private let owned: Bool

    static func open(_ path: String?) throws -> InputFile {
        guard let path, path != "-" else { return InputFile(descriptor: STDIN_FILENO, owned: false) }
        let descriptor = Foundation.open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ValidationError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        return InputFile(descriptor: descriptor, owned: true)
    }

    func close() {
        if owned { _ = Foundation.close(descriptor) }
    }
}
