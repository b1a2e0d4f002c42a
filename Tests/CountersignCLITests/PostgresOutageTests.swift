import CountersignTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The built `countersign serve` on a PostgreSQL of the test's own that goes away: stopped (every
/// connection refused) or frozen with SIGSTOP (connections open, nothing answers). Requests get 503
/// `store_unavailable` with `Retry-After` within the configured waits, never hang; once the database
/// is back, the same requests succeed and nothing acknowledged before is lost.
@Suite(
    .enabled(
        if: ReplicaCluster.server != nil && ReplicaCluster.PrivateServer.available,
        "needs POSTGRES_* (the PostgreSQL tests run) and PostgreSQL 15 in /usr/lib/postgresql/15 as root"))
struct PostgresOutageTests {
    /// lease_timeout 2s, answer_timeout 3s: every answer during an outage comes within 3 s plus the
    /// slack a loaded machine running the whole suite needs (unbounded, requests would wait for a
    /// minute, or until the database is back).
    static let bound = Duration.seconds(15)

    @Test func aStoppedDatabaseAnswers503QuicklyAndTheSameRequestsSucceedOnceItIsBack() async throws {
        try await Setup.with { setup in
            let acknowledged = try await setup.proposeBeforeTheOutage()

            try await setup.database.stopKeepingData()
            try await setup.expectEachUnavailable(acknowledged: acknowledged)

            try await setup.database.startAgain()
            try await setup.expectEachSucceeds(acknowledged: acknowledged)
        }
    }

    @Test func aHungDatabaseAnswers503WithinTheAnswerTimeout() async throws {
        try await Setup.with { setup in
            let acknowledged = try await setup.proposeBeforeTheOutage()

            try await setup.database.signalAll(SIGSTOP)
            do {
                try await setup.expectEachUnavailable(acknowledged: acknowledged)
            } catch {
                try? await setup.database.signalAll(SIGCONT)
                throw error
            }
            try await setup.database.signalAll(SIGCONT)
            try await setup.expectEachSucceeds(acknowledged: acknowledged)
        }
    }

    /// One server on a private PostgreSQL with short waits.
    struct Setup {
        let database: ReplicaCluster.PrivateServer
        let server: ServerProcess
        let configPath: String
        let agent: HTTPClient
        let approver: HTTPClient

        static func start() async throws -> Setup {
            let database = try await ReplicaCluster.PrivateServer()
            let agentKey = "agent-key-" + UUID().uuidString
            let approverToken = "approver-token-" + UUID().uuidString
            let url = "postgres://postgres@127.0.0.1:\(database.server.port)/postgres"
            let configPath = try CLIRunner.temporaryFile(
                """
                database: {postgres: "\(url)", lease_timeout: 2s, answer_timeout: 3s}
                agents:
                  - {name: support-bot, key_env: CS_OUTAGE_AGENT_KEY}
                approvers:
                  - {name: alice, token_env: CS_OUTAGE_APPROVER_TOKEN, may_approve: {risk_classes: [financial], max_amount: 10000}}
                """)
            let server = try ServerProcess(
                configPath: configPath, environment: ["CS_OUTAGE_AGENT_KEY": agentKey, "CS_OUTAGE_APPROVER_TOKEN": approverToken],
                databaseArguments: [])
            do {
                try await server.start()
            } catch {
                server.cleanUp()
                await database.stop()
                throw error
            }
            return Setup(
                database: database, server: server, configPath: configPath, agent: server.client(token: agentKey),
                approver: server.client(token: approverToken))
        }

        /// Runs `body` on a fresh setup and removes it afterwards, whether `body` throws or not.
        static func with(_ body: (Setup) async throws -> Void) async throws {
            let setup = try await start()
            do {
                try await body(setup)
            } catch {
                await setup.cleanUp()
                throw error
            }
            await setup.cleanUp()
        }

        func cleanUp() async {
            server.cleanUp()
            try? FileManager.default.removeItem(atPath: configPath)
            await database.stop()
        }

        /// Held proposals acknowledged (201) before the outage: one to decide, one to long-poll, and
        /// one whose 3-second deadline passes during the outage (the deadline timer expires it after).
        func proposeBeforeTheOutage() async throws -> [String] {
            var approvals: [String] = []
            for index in 0..<3 {
                let extra = #""idempotency_key":"before-\#(index)""# + (index == 2 ? #","timeout":3"# : "")
                let response = try await agent.post("/v1/proposals", ReplicaCluster.refund(index, extra: extra))
                try #require(response.status == 201, "\(response)")
                approvals.append(try #require(response.string("approval", "id")))
            }
            return approvals
        }

        /// The requests made during the outage and again after it.
        func requests(acknowledged: [String]) -> [(name: String, send: @Sendable () async throws -> HTTPResult)] {
            let agent = agent
            let approver = approver
            return [
                ("propose", { try await agent.post("/v1/proposals", ReplicaCluster.refund(7, extra: #""idempotency_key":"during""#)) }),
                ("decide", { try await approver.post("/v1/approvals/\(acknowledged[0])/decision", #"{"decision":"approve"}"#) }),
                ("long-poll", { try await agent.get("/v1/approvals/\(acknowledged[1])?wait=5") }),
                ("queue", { try await approver.get("/v1/approvals?status=pending") }),
                ("healthz", { try await agent.get("/healthz") }),
            ]
        }

        /// Each request, sent alone and then all at once, is a 503 with Retry-After within the bound.
        func expectEachUnavailable(acknowledged: [String]) async throws {
            let requests = requests(acknowledged: acknowledged)
            for (name, send) in requests {
                try await expectUnavailable(name, send)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (name, send) in requests + requests { group.addTask { try await expectUnavailable(name + " (concurrent)", send) } }
                try await group.waitForAll()
            }
        }

        func expectUnavailable(_ name: String, _ send: @Sendable () async throws -> HTTPResult) async throws {
            let clock = ContinuousClock()
            let started = clock.now
            let response = try await Self.named("\(name) during the outage", send)
            let took = clock.now - started
            #expect(response.status == 503, "\(name): \(response)")
            #expect(response.errorCode == "store_unavailable", "\(name): \(response)")
            #expect(response.headers["retry-after"].flatMap(Int.init).map { $0 >= 1 } == true, "\(name): \(response.headers)")
            #expect(took < PostgresOutageTests.bound, "\(name) took \(took)")
        }

        /// The request's answer; a transport failure (a client timeout: the server did not answer at
        /// all) names the request, so a failure says which one hung.
        static func named(_ name: String, _ send: @Sendable () async throws -> HTTPResult) async throws -> HTTPResult {
            let started = ContinuousClock.now
            do {
                return try await send()
            } catch {
                throw ReplicaCluster.Failure(description: "\(name): no answer after \(ContinuousClock.now - started): \(error)")
            }
        }

        /// Once the database is back the same requests succeed (retrying while the pool reconnects),
        /// and the proposals acknowledged before the outage are there, each once.
        func expectEachSucceeds(acknowledged: [String]) async throws {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(60)
            for (name, send) in requests(acknowledged: acknowledged) {
                while true {
                    let response = try await Self.named("\(name) after the outage", send)
                    if response.status / 100 == 2 {
                        if name == "decide" { #expect(response.string("status") == "approved", "\(response)") }
                        if name == "long-poll" { #expect(response.string("status") == "pending", "\(response)") }
                        break
                    }
                    #expect(response.status == 503, "\(name) after the outage: \(response)")
                    try #require(clock.now < deadline, "\(name) still fails a minute after the database came back: \(response)")
                    try await Task.sleep(for: .milliseconds(250))
                }
            }
            for (index, id) in acknowledged.enumerated() {
                let response = try await approver.get("/v1/approvals/\(id)")
                #expect(response.status == 200, "approval \(index) acknowledged before the outage: \(response)")
            }
            // The proposal sent during the outage exists once, whether or not a 503'd try committed.
            let retried = try await agent.post("/v1/proposals", ReplicaCluster.refund(7, extra: #""idempotency_key":"during""#))
            #expect(retried.status == 200, "\(retried)")
            let queue = try await approver.get("/v1/approvals?status=pending")
            let pending = Set((queue["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            let during = try #require(retried.string("approval", "id"))
            #expect(pending.isSuperset(of: [acknowledged[1], during]) && !pending.contains(acknowledged[0]), "\(queue)")
            // The deadline timer came through the outage: the approval due meanwhile expires.
            while try await approver.get("/v1/approvals/\(acknowledged[2])").string("status") != "expired" {
                try #require(
                    clock.now < deadline,
                    "the approval due during the outage did not expire after it; the server said:\n\(server.stderr.suffix(6000))")
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}

extension ReplicaCluster.PrivateServer {
    /// Stops PostgreSQL (fast shutdown: every connection dropped), keeping its data.
    func stopKeepingData() async throws {
        try await Self.shell("runuser -u postgres -- \(Self.bin)/pg_ctl -D '\(folder)/data' -m fast -w stop")
    }

    /// Starts it again on the same port.
    func startAgain() async throws {
        try await Self.shell(
            "runuser -u postgres -- \(Self.bin)/pg_ctl -D '\(folder)/data' -l '\(folder)/log' -w -t 120 "
                + "-o \"-p \(server.port) -k \(folder) -c listen_addresses=127.0.0.1\" start")
    }

    /// Sends `signal` to the postmaster and every backend it started (SIGSTOP: a hung server).
    func signalAll(_ signal: Int32) async throws {
        let pidFile = try String(contentsOfFile: folder + "/data/postmaster.pid", encoding: .utf8)
        guard let postmaster = pidFile.split(separator: "\n").first.flatMap({ Int32($0) }) else {
            throw ReplicaCluster.Failure(description: "no postmaster pid in \(folder)")
        }
        let children = try await Self.output("/usr/bin/ps", ["--ppid", String(postmaster), "-o", "pid="])
            .split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        // Children first when stopping, so none acts on a stopped parent; the parent first when continuing.
        let order = signal == SIGSTOP ? children + [postmaster] : [postmaster] + children
        for pid in order { kill(pid, signal) }
    }

    static func output(_ executable: String, _ arguments: [String]) async throws -> String {
        try await ChildProcess.run(executable, arguments).stdout
    }
}
