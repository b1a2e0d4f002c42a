import ArgumentParser
import CountersignCore
import CountersignInsights
import Foundation

extension Countersign {
    /// `countersign report [--db PATH | --postgres URL] [--since 7d] [--format table|json|csv]`
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The production table: volume, auto-completion, approval and escalation rates, approval wait, errors.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "How far back to look (e.g. 24h, 7d, 4w).")
        var since: String = "7d"

        @Option(help: "How to print the report.")
        var format: ReportFormat = .table

        func validate() throws {
            guard DurationText.seconds(since) != nil else { throw ValidationError("--since must be a duration such as 24h, 7d or 4w") }
            try database.requireAtMostOne()
        }

        func run() async throws {
            let now = Date()
            let start = now.addingTimeInterval(-(DurationText.seconds(since) ?? 0))
            var report = ProductionReport(since: start, until: now)
            try await database.withStore { store in
                try await store.readEveryProductionRow(since: start) { report.add($0) }
            }
            print(report.rendered(format.rawValue), terminator: "")
        }
    }
}
