import ArgumentParser
import CountersignCore
import CountersignInsights
import CountersignSQLite
import CountersignServer
import Foundation

extension Countersign {
    /// `countersign report [--db PATH | --postgres URL] [--since 7d] [--format table|json|csv]`
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The production table: volume, auto-completion, approval and escalation rates, approval wait, errors.")

        @Option(help: "The SQLite database file (default: countersign.db).")
        var db: String?

        @Option(help: "A PostgreSQL URL (instead of --db); the password may come from PGPASSWORD.")
        var postgres: String?

        @Option(help: "How far back to look (e.g. 24h, 7d, 4w).")
        var since: String = "7d"

        @Option(help: "table, json or csv.")
        var format: String = "table"

        func validate() throws {
            guard DurationText.seconds(since) != nil else { throw ValidationError("--since must be a duration such as 24h, 7d or 4w") }
            guard ["table", "json", "csv"].contains(format) else { throw ValidationError("--format must be table, json or csv") }
            if db != nil && postgres != nil { throw ValidationError("give one of --db PATH and --postgres URL, not both") }
            if postgres == nil, !FileManager.default.fileExists(atPath: db ?? "countersign.db") {
                throw ValidationError("no database at \(db ?? "countersign.db")")
            }
        }

        func run() async throws {
            let now = Date()
            let start = now.addingTimeInterval(-(DurationText.seconds(since) ?? 0))
            var report = ProductionReport(since: start, until: now)
            if let postgres {
                try await PostgresAccess.withStore(postgres) { store in
                    try await store.pageThroughProductionRows(since: start) { report.add($0) }
                }
            } else {
                let store = try ServerRunner.openSQLite(path: db ?? "countersign.db")
                try store.forEachProductionRow(since: start) { row in
                    report.add(row)
                }
            }
            print(report.rendered(format), terminator: "")
        }
    }
}
