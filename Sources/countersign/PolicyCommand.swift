import ArgumentParser
import CountersignConfig
import Foundation

extension Countersign {
    /// `countersign policy …`
    struct PolicyCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "policy",
            abstract: "Work with policy files.",
            subcommands: [Check.self]
        )
    }
}

extension Countersign.PolicyCommand {
    /// `countersign policy check FILE`
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy file; prints every problem with its line and column.")

        @Argument(help: "The policy file (YAML).")
        var file: String

        func run() throws {
            do {
                _ = try PolicyFile.load(path: file)
                print("\(file): ok")
            } catch {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                throw ExitCode(1)
            }
        }
    }
}
