import CountersignCore
import CountersignSQLite
import CountersignStore
import Foundation
import Testing

/// `countersign calibrate` and `countersign replay`, through the built executable.
@Suite struct LearningLoopCommandTests {
    /// 200 refunds at confidence 0.800, 0.801, … 0.999, approved from 0.900 up and rejected below;
    /// plus 5 cancel_order decisions, too few for any threshold.
    static func history() -> String {
        var lines: [String] = []
        for index in 0..<200 {
            let confidence = String(format: "0.%03d", 800 + index)
            let approved = index >= 100
            lines.append(#"{"agent":"bot","operation":"refund","confidence":\#(confidence),"action":"r\#(index)","approved":\#(approved)}"#)
        }
        for index in 0..<5 {
            lines.append(#"{"agent":"bot","operation":"cancel_order","confidence":0.9\#(index),"action":"c","approved":true}"#)
        }
        lines.insert(#"{"agent":"bot","operation":"refund","confidence":7,"action":"bad","approved":true}"#, at: 3)
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func calibrateJSONHasTheContractShapeAndReportsBadRows() async throws {
        let path = try CLIRunner.temporaryFile(Self.history(), suffix: ".jsonl")
        let result = try await CLIRunner.run(["calibrate", "--history", path, "--format", "json"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("\(path):4: confidence must be a number between 0 and 1"))
        #expect(result.stderr.contains("1 bad row skipped"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["target"] as? Double == 0.95)
        #expect(object["bad_rows"] as? Int == 1)
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.map { $0["key"] as? String } == ["cancel_order", "refund"])
        #expect(groups[0]["auto_threshold"] is NSNull)
        #expect((groups[0]["reason"] as? String)?.hasPrefix("only 5 decisions") == true)
        // At 0.899: 101 decisions, 100 approved, bound 0.95389 (SciPy: beta.ppf(0.05, 100, 2) =
        // 0.9538926500751109) passes; at 0.898: 102 with 100 approved, 0.93956 (beta.ppf(0.05, 100, 3)) fails.
        let refund = groups[1]
        #expect(refund["n"] as? Int == 200)
        #expect(refund["auto_threshold"] as? Double == 0.899)
        #expect(refund["n_above"] as? Int == 101)
        #expect(abs((refund["approval_rate_above"] as? Double ?? 0) - 100.0 / 101) < 1e-12)
        #expect(abs((refund["lower_bound"] as? Double ?? 0) - 0.9538926500751109) < 1e-12)
    }

    @Test func calibrateWritesAPolicyThatPassesPolicyCheck() async throws {
        let history = try CLIRunner.temporaryFile(Self.history(), suffix: ".jsonl")
        let out = NSTemporaryDirectory() + "countersign-calibrated-\(UUID().uuidString).yaml"
        let table = try await CLIRunner.run(["calibrate", "--history", history, "--out", out])
        #expect(table.status == 0)
        #expect(table.stdout.contains("no auto threshold:"))
        #expect(table.stdout.contains("cancel_order: only 5 decisions"))
        let check = try await CLIRunner.run(["policy", "check", out])
        #expect(check.status == 0, "\(check.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("# Thresholds calibrated by `countersign calibrate`"))
        #expect(text.contains(#""refund": {class: "financial", auto: 0.899, "#))
        // The new policy now auto-executes a 0.95 refund the default would only notify about.
        let replay = try await CLIRunner.run(["replay", "--history", history, "--policy", out, "--format", "json"])
        #expect(replay.status == 0)
        let object = try #require(JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any])
        let difference = try #require((object["difference"] as? [String: Any])?["overall"] as? [String: Any])
        #expect((difference["auto"] as? Int ?? 0) > 0)
        // The rejected 0.899 refund now runs automatically, and notify executes too: every refund
        // between the new notify threshold and 0.899 was rejected. The default executed none of them.
        let candidate = try #require((object["candidate"] as? [String: Any])?["operations"] as? [String: Any])
        let notify = try #require((candidate["refund"] as? [String: Any])?["notify"] as? Int)
        #expect(notify > 0)
        #expect(difference["erroneous_executions"] as? Int == notify + 1)
    }

    @Test func calibrateReadsCSVFromStandardInputAndRefusesBadOptions() async throws {
        var csv = "operation,confidence,approved\n"
        for index in 0..<80 { csv += "lookup_order,0.\(70 + index % 30),true\n" }
        let result = try await CLIRunner.run(["calibrate", "--history", "-", "--format", "yaml", "--by", "risk_class"], input: csv)
        #expect(result.status == 0)
        #expect(result.stdout.contains("key: \"read_only\""))
        #expect(result.stdout.contains("auto_threshold: 0.7"))
        let missing = try await CLIRunner.run(["calibrate"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("--history"))
        let badTargets = try await CLIRunner.run(["calibrate", "--history", "-", "--notify-target", "0.99"])
        #expect(badTargets.status != 0)
    }

    @Test func calibrateReadsTheServersDatabase() async throws {
        let path = NSTemporaryDirectory() + "countersign-calibrate-\(UUID().uuidString).db"
        let store = try SQLiteStore(configuration: .init(path: path))
        try await store.migrate()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<70 {
            let proposal = Proposal(agent: "bot", operation: "refund", confidence: 0.9 + Double(index) / 1000, action: "Refund \(index)")
            let record = ProposalRecord(
                id: "p\(index)", proposal: proposal, verdict: DecisionEngine(policy: .default).decide(proposal), createdAt: start)
            let approval = ApprovalRecord(
                id: "a\(index)", proposalID: "p\(index)", status: .pending, deadline: start.addingTimeInterval(60), fallback: "later",
                createdAt: start)
            let audit = AuditEvent(kind: "proposed", at: start, proposalID: "p\(index)", approvalID: "a\(index)", actor: "bot", data: .null)
            _ = try await store.propose(agent: "bot", idempotencyKey: nil, history: nil) { _ in
                PreparedProposal(proposal: record, approval: approval, audit: [audit])
            }
            // One left pending (no human judgement yet): it must not count.
            if index == 69 { continue }
            let decided = AuditEvent(kind: "decided", at: start, proposalID: "p\(index)", approvalID: "a\(index)", actor: "ann", data: .null)
            _ = try await store.transition(approvalID: "a\(index)") { _ in
                .resolve(status: .approved, by: "ann", at: start.addingTimeInterval(Double(index)), comment: nil, audit: decided, outbox: [])
            }
        }
        let result = try await CLIRunner.run(["calibrate", "--db", path, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let group = try #require((object["groups"] as? [[String: Any]])?.first)
        #expect(group["key"] as? String == "refund")
        #expect(group["n"] as? Int == 69)
        #expect(group["auto_threshold"] as? Double == 0.9)
    }

    @Test func replayTableShowsChangesFromTheBaseline() async throws {
        let history = try CLIRunner.temporaryFile(
            """
            {"agent":"bot","operation":"refund","confidence":0.97,"action":"r1","approved":false}
            {"agent":"bot","operation":"refund","confidence":0.999,"action":"r2","approved":true}
            """, suffix: ".jsonl")
        let policy = try CLIRunner.temporaryFile("operations:\n  refund: {class: financial, auto: 0.96, notify: 0.9, approve: 0.8}\n")
        let result = try await CLIRunner.run(["replay", "--history", history, "--policy", policy])
        #expect(result.status == 0, "\(result.stderr)")
        let all = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("all") })
        // auto 2 (+1), notify 0 (-1), erroneous executions 1 (the rejected 0.97 refund, notify before and auto now).
        #expect(all.contains("2 (+1)"))
        #expect(all.contains("0 (-1)"))
    }
}
