import CountersignCore
import CountersignPostgres
import CountersignSQLite
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

/// `countersign report` and `countersign calibrate` read PostgreSQL (`--postgres URL`) as they read
/// SQLite (`--db PATH`): the same history in both gives the same report and the same calibration.
@Suite(.enabled(if: ReplicaCluster.server != nil, "needs POSTGRES_HOSTNAME, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB"))
struct PostgresReportCommandTests {
    @Test func reportAndCalibrationFromPostgreSQLEqualThoseFromSQLite() async throws {
        let server = try #require(ReplicaCluster.server)
        let database = "cs_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await Self.psql(server, "CREATE DATABASE \(database)")
        defer { Task { try? await Self.psql(server, "DROP DATABASE IF EXISTS \(database) WITH (FORCE)") } }
        let url = "postgres://\(server.user)@\(server.host):\(server.port)/\(database)"
        let path = NSTemporaryDirectory() + "countersign-report-\(UUID().uuidString).db"
        defer { try? FileManager.default.removeItem(atPath: path) }

        let sqlite = try SQLiteStore(configuration: .init(path: path))
        try await sqlite.migrate()
        try await Self.record(into: sqlite)
        let postgres = try PostgresStore(configuration: .init(url: try PostgresURL(parsing: url, environment: ["PGPASSWORD": server.password])))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await postgres.run() }
            defer { group.cancelAll() }
            try await postgres.migrate()
            try await Self.record(into: postgres)
        }

        let environment = ["PGPASSWORD": server.password]
        for format in ["json", "csv"] {
            let fromSQLite = try await ServerProcess.Child.run(["report", "--db", path, "--format", format])
            let fromPostgres = try await ServerProcess.Child.run(["report", "--postgres", url, "--format", format], environment: environment)
            #expect(fromSQLite.status == 0 && fromPostgres.status == 0, "\(fromSQLite.stderr)\(fromPostgres.stderr)")
            #expect(!fromSQLite.stdout.isEmpty)
            #expect(Self.withoutWindow(fromPostgres.stdout) == Self.withoutWindow(fromSQLite.stdout), "report as \(format)")
        }
        let sqliteReport = try #require(Self.object(try await ServerProcess.Child.run(["report", "--db", path, "--format", "json"]).stdout))
        #expect((sqliteReport["overall"] as? [String: Any])?["proposals"] as? Int == 120, "\(sqliteReport)")

        let calibrate = ["calibrate", "--format", "json", "--min-samples", "10"]
        let calibratedSQLite = try await ServerProcess.Child.run(calibrate + ["--db", path])
        let calibratedPostgres = try await ServerProcess.Child.run(calibrate + ["--postgres", url], environment: environment)
        #expect(calibratedSQLite.status == 0 && calibratedPostgres.status == 0, "\(calibratedSQLite.stderr)\(calibratedPostgres.stderr)")
        let fromSQLite = try #require(Self.object(calibratedSQLite.stdout))
        let fromPostgres = try #require(Self.object(calibratedPostgres.stdout))
        #expect(
            NSDictionary(dictionary: fromSQLite) == NSDictionary(dictionary: fromPostgres), "\(calibratedSQLite.stdout)\n\(calibratedPostgres.stdout)"
        )
        let groups = try #require(fromSQLite["groups"] as? [[String: Any]])
        #expect(groups.map { $0["n"] as? Int } == [75], "the 75 decided refunds (pending and expired ones carry no judgement)")
        // The table names its source without the password.
        let table = try await ServerProcess.Child.run(["calibrate", "--min-samples", "10", "--postgres", url], environment: environment)
        #expect(table.status == 0 && table.stdout.contains("from PostgreSQL") && table.stdout.contains(database), "\(table)")

        // One source at a time.
        let both = try await ServerProcess.Child.run(["report", "--db", path, "--postgres", url])
        #expect(both.status != 0 && both.stderr.contains("not both"), "\(both)")
        let three = try await ServerProcess.Child.run(["calibrate", "--db", path, "--postgres", url])
        #expect(three.status != 0 && three.stderr.contains("exactly one of"), "\(three)")
    }

    /// The same history through the store protocol: 30 auto lookups (some with outcomes) and 90 held
    /// refunds over two hours, two days ago: 75 decided (every fifth rejected, some approved ones
    /// erroneous), 5 expired, 10 pending.
    static func record(into store: any GatewayStore) async throws {
        let base = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 - 2 * 86400).rounded(.down))
        let engine = DecisionEngine(policy: .default)
        for index in 0..<120 {
            let at = base.addingTimeInterval(Double(index) * 60)
            let held = index >= 30
            let proposal =
                held
                ? Proposal(agent: "bot", operation: "refund", confidence: 0.85 + Double(index % 15) / 100, amount: 50, action: "Refund \(index)")
                : Proposal(agent: "bot", operation: "lookup_order", confidence: 0.99, action: "Look up \(index)")
            let record = ProposalRecord(id: "p\(index)", proposal: proposal, verdict: engine.decide(proposal), createdAt: at)
            let approval =
                held
                ? ApprovalRecord(
                    id: "a\(index)", proposalID: "p\(index)", status: .pending, deadline: at.addingTimeInterval(600), fallback: "reject",
                    createdAt: at) : nil
            let audit = AuditEvent(kind: "proposal", at: at, proposalID: "p\(index)", approvalID: approval?.id, actor: "bot", data: .null)
            _ = try await store.propose(agent: "bot", idempotencyKey: nil, history: nil) { _ in
                PreparedProposal(proposal: record, approval: approval, audit: [audit])
            }
            if !held {
                if index % 4 == 0 {
                    _ = try await store.recordOutcome(
                        proposalID: "p\(index)",
                        OutcomeRecord(outcome: index % 8 == 0 ? .erroneous : .succeeded, detail: nil, reportedBy: "bot", at: at))
                }
                continue
            }
            if index >= 110 { continue }
            let decidedAt = at.addingTimeInterval(Double(30 + index % 7 * 45))
            let status: ApprovalStatus = index >= 105 ? .expired : index % 5 == 0 ? .rejected : .approved
            let event = AuditEvent(kind: "decision", at: decidedAt, proposalID: "p\(index)", approvalID: "a\(index)", actor: "ann", data: .null)
            _ = try await store.transition(approvalID: "a\(index)") { _ in
                .resolve(status: status, by: status == .expired ? "system" : "ann", at: decidedAt, comment: nil, audit: event, outbox: [])
            }
            if status == .approved, index % 11 == 0 {
                _ = try await store.recordOutcome(
                    proposalID: "p\(index)", OutcomeRecord(outcome: .erroneous, detail: nil, reportedBy: "bot", at: decidedAt))
            }
        }
    }

    /// The report's text without the window's ends (each run takes its own "now").
    static func withoutWindow(_ text: String) -> String {
        if var object = object(text) {
            object["since"] = nil
            object["until"] = nil
            return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("since") && !$0.contains("until") }
            .joined(separator: "\n")
    }

    static func object(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    static func psql(_ server: ReplicaCluster.Server, _ sql: String) async throws {
        let run = try await ChildProcess.run(
            "/usr/bin/psql", ["-h", server.host, "-p", String(server.port), "-U", server.user, "-d", server.database, "-X", "-q", "-c", sql],
            environment: ["PGPASSWORD": server.password])
        guard run.status == 0 else { throw ReplicaCluster.Failure(description: "psql \(sql) failed: \(run.stderr)") }
    }
}
