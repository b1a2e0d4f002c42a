import ArgumentParser
import CountersignCore
import CountersignInsights
import CountersignSQLite
import Foundation

extension Countersign {
    /// `countersign report [--db PATH] [--since 7d] [--format table|json|csv]`
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The production table: volume, auto-completion, approval and escalation rates, approval wait, errors.")

        @Option(help: "The SQLite database file.")
        var db: String = "countersign.db"

        @Option(help: "How far back to look (e.g. 24h, 7d, 4w).")
        var since: String = "7d"

        @Option(help: "table, json or csv.")
        var format: String = "table"

        func validate() throws {
            guard DurationText.seconds(since) != nil else { throw ValidationError("--since must be a duration such as 24h, 7d or 4w") }
            guard ["table", "json", "csv"].contains(format) else { throw ValidationError("--format must be table, json or csv") }
            guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("no database at \(db)") }
        }

        func run() throws {
            let now = Date()
            let start = now.addingTimeInterval(-(DurationText.seconds(since) ?? 0))
            let store = try SQLiteStore(configuration: .init(path: db))
            var report = ProductionReport(since: start, until: now)
            try store.forEachProductionRow(since: start) { row in
                report.add(row)
            }
            print(report.rendered(format), terminator: "")
        }
    }
}
