import ArgumentParser

/// The `countersign` command: a thin front door; each subcommand hands its work to a library.
@main
struct Countersign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "countersign",
        abstract: "A human-in-the-loop gateway for AI agents.",
        discussion: """
            Agents propose actions with their confidence; the policy decides whether each one runs, runs and \
            notifies, waits for a human, or is handed to a human.
            """,
        version: "0.1.0",
        subcommands: [Serve.self, Evaluate.self, PolicyCommand.self, Audit.self, Calibrate.self, Replay.self, Report.self, MCPProxyCommand.self]
    )
}
