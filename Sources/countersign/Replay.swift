import ArgumentParser
import CountersignConfig
import CountersignCore
import CountersignInsights
import Foundation

extension Countersign {
    /// `countersign replay --history FILE --policy FILE [--baseline FILE]`
    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What a candidate policy would have done to past proposals, against what humans decided.",
            discussion: """
                Decides every past proposal under the candidate policy and under the baseline (the built-in default \
                unless --baseline), in the history's own order and time, and counts per operation and overall: \
                auto, notify, approve, escalate, the human load, and estimated erroneous executions (executed without \
                a human first although humans rejected the proposal or its outcome was erroneous). See docs/learning-loop.md.
                """
        )

        @Option(help: "Past proposals with \"approved\" (and optionally \"outcome\"), as JSON lines or CSV ('-' for standard input).")
        var history: String

        @Option(help: "The candidate policy file.")
        var policy: String

        @Option(help: "The policy to compare with (default: the built-in default policy).")
        var baseline: String?

        @Option(help: "How to print the comparison.")
        var format: ReplayFormat = .table

        func run() throws {
            let candidate = try PolicyOptions.load(policy)
            let base = try baseline.map(PolicyOptions.load) ?? .default
            let input = try InputFile.open(history)
            defer { input.close() }
            var reader = HistoryReader(fileDescriptor: input.descriptor)
            let bar = HistoryReader.size(of: input.descriptor).flatMap { ProgressBar.onTerminal(total: $0, label: "replaying") }
            reader.progress = bar.map { bar in { bar.update($0) } }
            var replayer = Replayer(candidate: candidate, baseline: base)
            do {
                try replayer.run(&reader)
            } catch let error as HistoryFileError {
                bar?.finish()
                throw ValidationError("\(history): \(error.message)")
            }
            bar?.finish()
            var report = replayer.report
            report.badRows = reader.badRows
            report.problems = reader.problems
            report.source = history == "-" ? "standard input" : history
            report.candidateName = policy
            report.baselineName = baseline ?? ""
            Diagnostics.reportBadRows(reader.problems, total: reader.badRows, file: history)
            print(format == .json ? report.json : report.table, terminator: "")
        }
    }
}

extension PolicyOptions {
    /// The policy file at `path`, or exit 2 with every problem of the file on standard error.
    static func load(_ path: String) throws -> Policy {
        var options = PolicyOptions()
        options.policy = path
        return try options.load()
    }
}
