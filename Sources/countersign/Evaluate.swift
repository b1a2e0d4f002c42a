import ArgumentParser
import CountersignCore
import CountersignInsights
import Foundation

extension Countersign {
    /// `countersign evaluate [--policy FILE] [FILE]`
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decide proposals offline: JSON lines in, one verdict line out per input line.",
            discussion: """
                Reads proposals (CONTRACT §3) from FILE or standard input. Each output line is the verdict \
                ({"line", "level", "risk_class", "reasons"}) or {"line", "error": {"code", "message"}} for a line \
                that is not a valid proposal. Per-subject rules follow the stream's order and each line's "at". \
                Exits 1 if any line was refused.
                """
        )

        @OptionGroup var policyOptions: PolicyOptions

        @Argument(help: "A file of proposals as JSON lines (standard input when omitted or '-').")
        var file: String?

        func run() throws {
            let policy = try policyOptions.load()
            let input = try InputFile.open(file)
            defer { input.close() }
            var evaluator = BatchEvaluator(policy: policy)
            let failures = try evaluator.run(input: input.descriptor, output: STDOUT_FILENO)
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
