import ArgumentParser
import CountersignConfig
import CountersignCore
import CountersignInsights
import CountersignSQLite
import CountersignServer
import Foundation

extension Countersign {
    /// `countersign calibrate [--history FILE | --db PATH | --postgres URL] ...`
    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Thresholds per operation from past human decisions, with sample sizes and error bounds.",
            discussion: """
                For each operation (or risk class), the lowest confidence at or above which humans approved at least \
                --target of the proposals, shown by a one-sided exact (Clopper-Pearson) lower bound at --confidence, \
                tested from the highest confidence down and stopping at the first failure. Too little data gives no \
                threshold, and says why. Also suggests notify and approve thresholds at lower targets, and shows how \
                well stated confidence matches human decisions (reliability, ECE, Brier). \
                History: JSON lines of proposals with "approved": true|false and an optional "outcome", or CSV with a \
                header (operation, confidence, approved[, outcome]). An approved proposal whose outcome was erroneous \
                counts as not approved. See docs/learning-loop.md.
                """
        )

        @Option(help: "Past decisions as JSON lines or CSV ('-' for standard input).")
        var history: String?

        /// Decided approvals from the server's database instead of `--history`.
        @OptionGroup var database: DatabaseOptions

        @Option(help: "What each threshold is for.")
        var by: CalibrationGrouping = .operation

        @Option(help: "The approval rate required above the auto threshold.")
        var target: Double = 0.95

        @Option(help: "The confidence of the lower bound.")
        var confidence: Double = 0.95

        @Option(help: "The fewest decisions a threshold may rest on.")
        var minSamples: Int = 30

        @Option(help: "The approval rate required above the notify threshold.")
        var notifyTarget: Double = 0.90

        @Option(help: "The approval rate required above the approve threshold (below it: escalate).")
        var approveTarget: Double = 0.50

        @Option(help: "Bins of the reliability table.")
        var bins: Int = 10

        @OptionGroup var policyOptions: PolicyOptions

        @Option(help: "Write a policy file with the new thresholds and the evidence as comments.")
        var out: String?

        @Option(help: "How to print the report.")
        var format: CalibrationFormat = .table

        var settings: CalibrationSettings {
            var settings = CalibrationSettings()
            settings.grouping = by
            settings.target = target
            settings.confidence = confidence
            settings.minimumSamples = minSamples
            settings.notifyTarget = notifyTarget
            settings.approveTarget = approveTarget
            settings.bins = bins
            return settings
        }

        func validate() throws {
            if [history, database.db, database.postgres].compactMap({ $0 }).count != 1 {
                throw ValidationError("give exactly one of --history FILE, --db PATH and --postgres URL")
            }
            if let problem = settings.problem { throw ValidationError(problem) }
        }

        func run() async throws {
            let policy = try policyOptions.load()
            var calibrator = Calibrator(settings: settings, policy: policy)
            var badRows = 0
            var problems: [HistoryProblem] = []
            if database.isGiven {
                try await database.withStore { store in
                    try await store.readEveryDecidedProposal {
                        calibrator.add(operation: $0.operation, confidence: $0.confidence, status: $0.status, outcome: $0.outcome)
                    }
                }
            } else {
                let input = try InputFile.open(history)
                defer { input.close() }
                var reader = HistoryReader(fileDescriptor: input.descriptor)
                let bar = HistoryReader.size(of: input.descriptor).flatMap { ProgressBar.onTerminal(total: $0, label: "reading") }
                reader.progress = bar.map { bar in { bar.update($0) } }
                do {
                    try calibrator.read(&reader)
                } catch let error as HistoryFileError {
                    bar?.finish()
                    throw ValidationError("\(history ?? "-"): \(error.message)")
                }
                bar?.finish()
                (badRows, problems) = (reader.badRows, reader.problems)
            }
            var report = calibrator.finish()
            report.badRows = badRows
            report.problems = problems
            report.source = database.isGiven ? database.source : (history == "-" ? "standard input" : history ?? "")
            Diagnostics.reportBadRows(problems, total: badRows, file: history ?? "-")
            switch format {
            case .json: print(report.json, terminator: "")
            case .yaml: print(report.yaml, terminator: "")
            case .table: print(report.table, terminator: "")
            }
            if let out { try writePolicy(report, base: policy, to: out) }
        }

        private func writePolicy(_ report: CalibrationReport, base: Policy, to path: String) throws {
            let baseText = try policyOptions.policy.map { try String(contentsOfFile: $0, encoding: .utf8) }
            let section: PolicyFile.ThresholdSection = report.settings.grouping == .operation ? .operations : .riskClasses
            do {
                let text = try PolicyFile.text(
                    replacing: section, in: baseText, with: report.proposedPolicy(base: base), comment: report.evidence(), file: path)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                FileHandle.standardError.write(Data("wrote \(path)\n".utf8))
            } catch let error as ConfigError {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                throw ExitCode(1)
            }
        }
    }
}

/// Reports skipped rows on standard error: the first of them with their lines, then the count.
enum Diagnostics {
    static func reportBadRows(_ problems: [HistoryProblem], total: Int, file: String) {
        guard total > 0 else { return }
        var text = ""
        for problem in problems.prefix(20) { text += "\(file):\(problem.line): \(problem.message)\n" }
        if total > min(problems.count, 20) { text += "… and \(total - min(problems.count, 20)) more\n" }
        text += "\(total) bad row\(total == 1 ? "" : "s") skipped\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
