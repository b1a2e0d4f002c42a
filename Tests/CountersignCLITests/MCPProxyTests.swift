import CountersignPostgres
import CountersignTestSupport
import Foundation
import Testing

/// `countersign mcp-proxy` between the official Python MCP SDK (the client) and real upstream MCP
/// servers from PyPI (`mcp-server-time`, `mcp-server-git`), with the real gateway deciding and
/// the test acting as the human approver through the API.
@Suite(
    "MCP gating proxy with the Python MCP SDK", .serialized,
    .enabled(if: MCPTestEnvironment.venv != nil, Comment(rawValue: MCPTestEnvironment.skipMessage)))
struct MCPProxyTests {
    static let agentKey = "cs_test_mcp_agent_key_0123456789"
    static let aliceToken = "cs_test_alice_token_0123456789ab"

    /// The gateway, the proxy configuration and a git repository, all in one temporary folder.
    final class Fixture: @unchecked Sendable {
        let server: ServerProcess
        let folder: String
        let repo: String
        let proxyConfig: String

        /// The PostgreSQL database the gateway runs on, when not its SQLite file (dropped by `cleanUp()`).
        let postgresDatabase: String?

        init(on kind: StoreKind = .sqlite, gatewayURL: String? = nil, proxyExtra: String = "") async throws {
            let folder = ServerProcess.temporaryDirectory()
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            self.folder = folder
            var databaseArguments: [String]?
            var environment = ["CS_MCP_AGENT_KEY": MCPProxyTests.agentKey, "CS_MCP_ALICE_TOKEN": MCPProxyTests.aliceToken]
            if kind == .postgres {
                let url = try #require(TestPostgres.url)
                let database = "cs_mcp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
                _ = try await Self.psql(url, "CREATE DATABASE \(database)")
                databaseArguments = ["--postgres", "postgres://\(url.user)@\(url.host):\(url.port)/\(database)"]
                environment["PGPASSWORD"] = url.password ?? ""
                postgresDatabase = database
            } else {
                postgresDatabase = nil
            }
            let serverConfig = folder + "/server.yaml"
            try """
            policy:
              operations:
                get_current_time: read_only
                convert_time: read_only
                git_status: read_only
                slow_count: read_only
            agents:
              - {name: mcp-agent, key_env: CS_MCP_AGENT_KEY}
            approvers:
              - {name: alice, token_env: CS_MCP_ALICE_TOKEN}
            """.write(toFile: serverConfig, atomically: true, encoding: .utf8)
            let server = try ServerProcess(
                configPath: serverConfig, environment: environment, directory: folder + "/gateway", databaseArguments: databaseArguments)
            self.server = server
            do { try await server.start() } catch {
                server.cleanUp()
                Self.drop(postgresDatabase)
                throw error
            }
            // Past this point the server runs: a failing step must not leave it behind.
            do {
                repo = folder + "/repo"
                try await Self.git(["init", "-q", "-b", "main", repo], in: folder)
                try "hello\n".write(toFile: repo + "/README.md", atomically: true, encoding: .utf8)
                try await Self.git(["add", "README.md"], in: repo)
                try await Self.git(["-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "first"], in: repo)
                proxyConfig = folder + "/proxy.yaml"
                try """
                gateway: {url: "\(gatewayURL ?? server.baseURL.absoluteString)", agent: mcp-agent, key_env: CS_MCP_AGENT_KEY}
                wait: {timeout: 2s, timeout_with_progress: 60s, progress_interval: 300ms}
                state_file: state/ledger.json
                tools:
                  git_create_branch: {fallback: "Ask the user to create the branch"}
                  convert_time: {operation: time_conversion, fallback: "Convert the time by hand"}
                  pay: {operation: refund, amount: /amount, currency: /currency, subject: /payee, fallback: "Pay by hand"}
                \(proxyExtra)
                """.write(toFile: proxyConfig, atomically: true, encoding: .utf8)
            } catch {
                server.cleanUp()
                Self.drop(postgresDatabase)
                throw error
            }
        }

        /// Runs one statement with `psql` on the test server's own database.
        static func psql(_ url: PostgresURL, _ sql: String) async throws -> String {
            let run = try await ChildProcess.run(
                "/usr/bin/psql", ["-h", url.host, "-p", String(url.port), "-U", url.user, "-d", url.database, "-X", "-A", "-t", "-c", sql],
                environment: ["PGPASSWORD": url.password ?? ""])
            if run.status != 0 { throw MCPDriver.Failure(description: "psql \(sql) failed: \(run.stderr)") }
            return run.stdout
        }

        static func git(_ arguments: [String], in directory: String) async throws {
            let run = try await ChildProcess.run("/usr/bin/git", arguments, directory: directory)
            if run.status != 0 { throw MCPDriver.Failure(description: "git \(arguments) failed: \(run.stderr)") }
        }

        func driver(_ upstream: [String], config: String? = nil) async throws -> MCPDriver {
            try await MCPDriver(
                venv: MCPTestEnvironment.venv!, config: config ?? proxyConfig, upstream: upstream,
                environment: ["CS_MCP_AGENT_KEY": MCPProxyTests.agentKey])
        }

        /// The proxy configuration of another host: the same gateway and agent key, its own state file.
        func otherHostConfig() throws -> String {
            let path = folder + "/proxy-other-host.yaml"
            let text = try String(contentsOfFile: proxyConfig, encoding: .utf8)
                .replacingOccurrences(of: "state_file: state/ledger.json", with: "state_file: other-host/ledger.json")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        /// `Tests/MCPProxyScenarios/slow_server.py`: a tool that counts slowly with progress.
        var slowServer: [String] {
            let script = URL(fileURLWithPath: MCPTestEnvironment.driverScript).deletingLastPathComponent().appendingPathComponent("slow_server.py")
            return [MCPTestEnvironment.venv! + "/bin/python", script.path]
        }

        /// `Tests/MCPProxyScenarios/ledger_server.py`: a `pay` tool that logs every call it gets to `paymentsLog`.
        var ledgerServer: [String] {
            let script = URL(fileURLWithPath: MCPTestEnvironment.driverScript).deletingLastPathComponent().appendingPathComponent("ledger_server.py")
            return [MCPTestEnvironment.venv! + "/bin/python", script.path, paymentsLog]
        }

        var paymentsLog: String { folder + "/payments.jsonl" }

        /// The calls the ledger upstream received, in order.
        func payments() throws -> [[String: Any]] {
            guard let text = try? String(contentsOfFile: paymentsLog, encoding: .utf8) else { return [] }
            return try text.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
        }

        var time: [String] { ["mcp-server-time", "--local-timezone", "UTC"] }
        var gitServer: [String] { ["mcp-server-git", "--repository", repo] }
        var approver: HTTPClient { server.client(token: MCPProxyTests.aliceToken) }

        func branches() throws -> [String] {
            let heads = try FileManager.default.contentsOfDirectory(atPath: repo + "/.git/refs/heads")
            return heads.sorted()
        }

        /// The pending approvals, waiting until there are at least `count`.
        func pending(atLeast count: Int = 1) async throws -> [[String: Any]] {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            while true {
                let items = (try await approver.get("/v1/approvals?status=pending"))["items"] as? [[String: Any]] ?? []
                if items.count >= count || clock.now > deadline { return items }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        func decide(_ id: String, _ decision: String) async throws {
            let response = try await approver.post("/v1/approvals/\(id)/decision", json: ["decision": decision, "comment": "from the test"])
            #expect(response.status == 200, "\(response)")
        }

        func cleanUp() {
            server.cleanUp()
            Self.drop(postgresDatabase)
        }

        /// Drops the test's PostgreSQL database, on the calling thread (a cleanup cannot await).
        static func drop(_ database: String?) {
            guard let database, let url = TestPostgres.url else { return }
            _ = try? ChildProcess.runBlocking(
                "/usr/bin/psql",
                [
                    "-h", url.host, "-p", String(url.port), "-U", url.user, "-d", url.database, "-X", "-c",
                    "DROP DATABASE IF EXISTS \(database) WITH (FORCE)",
                ],
                environment: ["PGPASSWORD": url.password ?? ""])
        }
    }

    static func meta(_ event: [String: Any], _ key: String) -> String? { (event["meta"] as? [String: Any])?["dev.countersign/\(key)"] as? String }

    @Test("tools are listed through the proxy, and an auto call returns the upstream's result")
    func listAndAuto() async throws {
        let fixture = try await Fixture()
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.time)
        try driver.send(["op": "list"])
        let tools = try await driver.next { $0["event"] as? String == "tools" }
        let names = tools["names"] as? [String] ?? []
        #expect(names.contains("get_current_time"))
        #expect(names.contains("convert_time"))
        try driver.send(["op": "call", "id": "t1", "name": "get_current_time", "arguments": ["timezone": "UTC"]])
        let result = try await driver.result(of: "t1")
        #expect(result["isError"] as? Bool == false, "\(result)")
        #expect((result["text"] as? String ?? "").contains("\"timezone\": \"UTC\""), "\(result)")
        #expect(try await fixture.pending(atLeast: 0).isEmpty)
        await driver.stop()
        #expect(driver.process.terminationStatus == 0)
    }

    @Test("an approve call waits with progress and runs once a human approves what was shown")
    func approveWithProgress() async throws {
        let fixture = try await Fixture()
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.gitServer)
        let arguments = ["repo_path": fixture.repo, "branch_name": "feature-x"]
        try driver.send(["op": "call", "id": "c1", "name": "git_create_branch", "arguments": arguments, "progress": true])
        let first = try await driver.next { $0["event"] as? String == "progress" && $0["id"] as? String == "c1" }
        #expect((first["message"] as? String ?? "").contains("awaiting approval"))
        let items = try await fixture.pending()
        try #require(items.count == 1)
        let mcp = ((items[0]["proposal"] as? [String: Any])?["context"] as? [String: Any])?["mcp"] as? [String: Any]
        #expect(mcp?["tool"] as? String == "git_create_branch")
        #expect(mcp?["arguments"] as? [String: String] == arguments)
        #expect(try fixture.branches() == ["main"])
        _ = try await driver.next { $0["event"] as? String == "progress" && $0["id"] as? String == "c1" }
        try await fixture.decide(items[0]["id"] as! String, "approve")
        let result = try await driver.result(of: "c1")
        #expect(result["isError"] as? Bool == false, "\(result)")
        #expect((result["text"] as? String ?? "").contains("Created branch 'feature-x'"))
        #expect(try fixture.branches() == ["feature-x", "main"])
        let values = driver.events.filter { $0["event"] as? String == "progress" }.compactMap { $0["progress"] as? Double }
        #expect(values.count >= 2)
        #expect(values == values.sorted() && Set(values).count == values.count, "progress must increase: \(values)")
        await driver.stop()
    }

    @Test("a rejection and an escalation return isError with the fallback; the upstream is not called")
    func rejectionAndEscalation() async throws {
        let fixture = try await Fixture()
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.gitServer)
        try driver.send([
            "op": "call", "id": "r1", "name": "git_create_branch", "arguments": ["repo_path": fixture.repo, "branch_name": "feature-r"],
            "progress": true,
        ])
        let items = try await fixture.pending()
        try await fixture.decide(items[0]["id"] as! String, "reject")
        let rejected = try await driver.result(of: "r1")
        #expect(rejected["isError"] as? Bool == true)
        #expect((rejected["text"] as? String ?? "").contains("Ask the user to create the branch"), "\(rejected)")
        #expect(Self.meta(rejected, "status") == "rejected")
        try driver.send([
            "op": "call", "id": "e1", "name": "git_create_branch", "arguments": ["repo_path": fixture.repo, "branch_name": "feature-e"],
            "confidence": 0.2,
        ])
        let escalated = try await driver.result(of: "e1", timeout: .seconds(10))
        #expect(escalated["isError"] as? Bool == true)
        #expect(Self.meta(escalated, "status") == "escalated")
        #expect((escalated["text"] as? String ?? "").contains("Ask the user to create the branch"))
        #expect(try fixture.branches() == ["main"])
        await driver.stop()
    }

    @Test("a timed-out wait reattaches on retry; an edited retry needs a new approval; an approval is used once")
    func reattachEditAndSingleUse() async throws {
        let fixture = try await Fixture()
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.gitServer)
        let x: [String: String] = ["repo_path": fixture.repo, "branch_name": "feature-x"]
        func call(_ id: String, _ arguments: [String: String]) async throws -> [String: Any] {
            try driver.send(["op": "call", "id": id, "name": "git_create_branch", "arguments": arguments])
            return try await driver.result(of: id)
        }
        // No progress token: the wait is bounded (2 s here), then the call says it is still pending.
        let first = try await call("x1", x)
        #expect(first["isError"] as? Bool == true)
        #expect(Self.meta(first, "status") == "pending")
        let approvalA = try #require(Self.meta(first, "approval_id"))
        // The identical call reattaches to the same approval.
        let again = try await call("x2", x)
        #expect(Self.meta(again, "approval_id") == approvalA)
        #expect(try await fixture.pending().count == 1)
        try await fixture.decide(approvalA, "approve")
        // An edited call does not ride on approval A.
        let edited = try await call("y1", ["repo_path": fixture.repo, "branch_name": "feature-y"])
        #expect(Self.meta(edited, "status") == "pending")
        #expect(Self.meta(edited, "approval_id") != approvalA)
        #expect(try fixture.branches() == ["main"])
        // The identical call uses approval A, once.
        let approved = try await call("x3", x)
        #expect(approved["isError"] as? Bool == false, "\(approved)")
        #expect(try fixture.branches() == ["feature-x", "main"])
        let reused = try await call("x4", x)
        #expect(Self.meta(reused, "status") == "pending", "\(reused)")
        #expect(Self.meta(reused, "approval_id") != approvalA)
        await driver.stop()
    }

    @Test("a cancelled call stops waiting; the approval stays for a retry")
    func cancellation() async throws {
        let fixture = try await Fixture()
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.gitServer)
        let arguments = ["repo_path": fixture.repo, "branch_name": "feature-c"]
        try driver.send(["op": "call", "id": "c1", "name": "git_create_branch", "arguments": arguments, "progress": true])
        _ = try await driver.next { $0["event"] as? String == "progress" && $0["id"] as? String == "c1" }
        try driver.send(["op": "cancel", "id": "c1"])
        _ = try await driver.next { $0["event"] as? String == "cancelled" && $0["id"] as? String == "c1" }
        let items = try await fixture.pending()
        try #require(items.count == 1)
        let approvalID = try #require(items.first?["id"] as? String)
        // Approve after the cancellation: a wait still running would see it and call the upstream.
        try await Task.sleep(for: .milliseconds(500))
        try await fixture.decide(approvalID, "approve")
        try await Task.sleep(for: .seconds(2))
        #expect(try fixture.branches() == ["main"], "the cancelled call went on to the upstream")
        #expect(!driver.events.contains { $0["id"] as? String == "c1" && $0["event"] as? String == "result" })
        // The identical retry reattaches to the approval, which was kept, and uses it.
        try driver.send(["op": "call", "id": "c2", "name": "git_create_branch", "arguments": arguments, "progress": true])
        let result = try await driver.result(of: "c2")
        #expect(result["isError"] as? Bool == false, "\(result)")
        #expect(try fixture.branches() == ["feature-c", "main"])
        let all = (try await fixture.approver.get("/v1/approvals"))["items"] as? [Any] ?? []
        #expect(all.count == 1)
        await driver.stop()
    }

    @Test("an unreachable gateway fails closed, except for tools configured to be forwarded")
    func failClosed() async throws {
        let fixture = try await Fixture(gatewayURL: "http://127.0.0.1:9", proxyExtra: "unreachable: {forward: [get_current_time]}")
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.time)
        try driver.send([
            "op": "call", "id": "a", "name": "convert_time", "arguments": ["source_timezone": "UTC", "time": "12:00", "target_timezone": "UTC"],
        ])
        let closed = try await driver.result(of: "a")
        #expect(closed["isError"] as? Bool == true)
        #expect(Self.meta(closed, "status") == "unreachable")
        try driver.send(["op": "call", "id": "b", "name": "get_current_time", "arguments": ["timezone": "UTC"]])
        let open = try await driver.result(of: "b")
        #expect(open["isError"] as? Bool == false, "\(open)")
        await driver.stop()
    }

    @Test("an upstream's progress is relayed to the caller, and the result is the upstream's")
    func upstreamProgressIsRelayed() async throws {
        let fixture = try await Fixture()
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.slowServer)
        let marker = fixture.folder + "/relay"
        try driver.send([
            "op": "call", "id": "p1", "name": "slow_count", "arguments": ["steps": 4, "pause": 0.1, "marker": marker] as [String: any Sendable],
            "progress": true,
        ])
        let result = try await driver.result(of: "p1")
        #expect(result["isError"] as? Bool == false, "\(result)")
        #expect(result["text"] as? String == "counted to 4")
        let progress = driver.events.filter { $0["event"] as? String == "progress" && $0["id"] as? String == "p1" }
        #expect(progress.compactMap { $0["message"] as? String } == (1...4).map { "step \($0) of 4" })
        #expect(progress.compactMap { $0["progress"] as? Double } == [1, 2, 3, 4])
        #expect(progress.compactMap { $0["total"] as? Double } == [4, 4, 4, 4])
        await driver.stop()
    }

    @Test("cancelling a call cancels the upstream call in flight")
    func cancellingStopsTheUpstreamCall() async throws {
        let fixture = try await Fixture()
        defer { fixture.cleanUp() }
        let driver = try await fixture.driver(fixture.slowServer)
        let marker = fixture.folder + "/cancelled"
        try driver.send([
            "op": "call", "id": "k1", "name": "slow_count", "arguments": ["steps": 20, "pause": 0.15, "marker": marker] as [String: any Sendable],
            "progress": true,
        ])
        // Cancel once the upstream is counting (its first progress came through the proxy).
        _ = try await driver.next { $0["event"] as? String == "progress" && $0["id"] as? String == "k1" }
        #expect(FileManager.default.fileExists(atPath: marker + ".started"))
        try driver.send(["op": "cancel", "id": "k1"])
        _ = try await driver.next { $0["event"] as? String == "cancelled" && $0["id"] as? String == "k1" }
        // Uncancelled, it would finish within 3 s of starting.
        try await Task.sleep(for: .seconds(4))
        #expect(!FileManager.default.fileExists(atPath: marker + ".finished"), "the upstream call ran to the end after the cancellation")
        // The proxy and the upstream still serve the next call.
        try driver.send([
            "op": "call", "id": "k2", "name": "slow_count",
            "arguments": ["steps": 1, "pause": 0.01, "marker": marker + "2"] as [String: any Sendable],
        ])
        let next = try await driver.result(of: "k2")
        #expect(next["text"] as? String == "counted to 1", "\(next)")
        await driver.stop()
    }

    @Test("proxies on two hosts sharing an agent key: one approval is used by exactly one call")
    func oneApprovalAcrossHosts() async throws {
        let fixture = try await Fixture()
        defer { fixture.cleanUp() }
        let hostA = try await fixture.driver(fixture.gitServer)
        let hostB = try await fixture.driver(fixture.gitServer, config: try fixture.otherHostConfig())
        let arguments = ["repo_path": fixture.repo, "branch_name": "feature-h"]
        for (driver, id) in [(hostA, "a1"), (hostB, "b1")] {
            try driver.send(["op": "call", "id": id, "name": "git_create_branch", "arguments": arguments, "progress": true])
            _ = try await driver.next { $0["event"] as? String == "progress" && $0["id"] as? String == id }
        }
        // The identical calls attached to one approval.
        let items = try await fixture.pending()
        try #require(items.count == 1, "\(items)")
        let first = try #require(items[0]["id"] as? String)
        try await fixture.decide(first, "approve")
        // One host gets it and creates the branch; the other proposes again and waits for a new answer.
        let second = try await fixture.pending()
        try #require(second.count == 1)
        #expect(second[0]["id"] as? String != first)
        func resultEvent(_ driver: MCPDriver, _ id: String) -> [String: Any]? {
            driver.events.first { $0["event"] as? String == "result" && $0["id"] as? String == id }
        }
        let clock = ContinuousClock()
        let limit = clock.now + .seconds(20)
        while resultEvent(hostA, "a1") == nil, resultEvent(hostB, "b1") == nil, clock.now < limit { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(500))
        let results = [resultEvent(hostA, "a1"), resultEvent(hostB, "b1")].compactMap { $0 }
        try #require(results.count == 1, "exactly one host's call ends: \(results)")
        let winner = (resultEvent(hostA, "a1") != nil ? "a1" : "b1", results[0])
        #expect(winner.1["isError"] as? Bool == false, "\(winner)")
        #expect(try fixture.branches() == ["feature-h", "main"])
        let consumed = try await fixture.approver.get("/v1/approvals/\(first)")
        #expect(consumed["consumed_by"] as? String == "mcp-agent")
        #expect(consumed["consumed_at"] is String)
        // The loser is still waiting on the new approval; rejecting it ends that call with the fallback.
        let loser = winner.0 == "a1" ? ("b1", hostB) : ("a1", hostA)
        #expect(!loser.1.events.contains { $0["id"] as? String == loser.0 && $0["event"] as? String == "result" })
        try await fixture.decide(second[0]["id"] as! String, "reject")
        let rejected = try await loser.1.result(of: loser.0)
        #expect(Self.meta(rejected, "status") == "rejected", "\(rejected)")
        #expect(try fixture.branches() == ["feature-h", "main"])
        await hostA.stop()
        await hostB.stop()
    }
}
