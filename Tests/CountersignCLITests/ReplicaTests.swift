import CountersignTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Several real `countersign serve` replicas (the built binary) on one real PostgreSQL database,
/// each test on a database of its own created empty. Runs when `POSTGRES_HOSTNAME`, `POSTGRES_PORT`,
/// `POSTGRES_USER`, `POSTGRES_PASSWORD` and `POSTGRES_DB` name a server; the PostgreSQL restart
/// test starts a PostgreSQL of its own (as root, with Debian's PostgreSQL 15), so it disturbs no other test.
@Suite(.enabled(if: ReplicaCluster.server != nil, "needs POSTGRES_HOSTNAME, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB"))
struct ReplicaTests {
    @Test func threeReplicasStartedTogetherOnAnEmptyDatabaseServeAsOne() async throws {
        let cluster = try await ReplicaCluster.start(replicas: 3)
        defer { cluster.cleanUp() }
        #expect(try await cluster.psql("SELECT count(*) FROM countersign_migrations") == "8", "each migration (v1–v6, v8, v9) applied once")
        let proposed = try await cluster.agent(0).post("/v1/proposals", ReplicaCluster.refund(0))
        try #require(proposed.status == 201, "\(proposed)")
        let approval = try #require(proposed.string("approval", "id"))
        // Long-poll on replica 0, decide on replica 1, read on replica 2.
        let started = ContinuousClock.now
        async let waited = cluster.agent(0).get("/v1/approvals/\(approval)?wait=300")
        try await Task.sleep(for: .milliseconds(300))
        let decided = try await cluster.approver(1).post("/v1/approvals/\(approval)/decision", #"{"decision":"approve"}"#)
        #expect(decided.status == 200, "\(decided)")
        let woken = try await waited
        #expect(woken.string("status") == "approved")
        #expect(ContinuousClock.now - started < .seconds(150), "woken by the decision, not by the wait's end (300 s)")
        #expect(try await cluster.approver(2).get("/v1/approvals/\(approval)").string("status") == "approved")
        let again = try await cluster.approver(2).post("/v1/approvals/\(approval)/decision", #"{"decision":"reject"}"#)
        #expect(again.status == 409)
        let verify = try await ReplicaCluster.run(["audit", "verify", "--postgres", cluster.url])
        #expect(verify.status == 0 && verify.stdout.contains("2 entries verified"), "\(verify)")
    }

    @Test func deadlinesExpireExactlyOnceWhileAReplicaIsKilledAndAfterItsRestart() async throws {
        let cluster = try await ReplicaCluster.start(replicas: 2)
        defer { cluster.cleanUp() }
        // 200 approvals with 2-second deadlines, half proposed on each replica.
        var acknowledged: [String] = []
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let response = try await cluster.agent(index % 2).post(
                        "/v1/proposals", ReplicaCluster.refund(index, extra: #""timeout":2"#))
                    guard response.status == 201, let id = response.string("approval", "id") else {
                        throw ReplicaCluster.Failure(description: "proposal \(index): \(response)")
                    }
                    return id
                }
            }
            for try await id in group { acknowledged.append(id) }
        }
        // Replica 0 dies before any deadline falls due; replica 1 expires its approvals too.
        await cluster.servers[0].kill9()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while try await cluster.psql("SELECT count(*) FROM approvals WHERE status = 'pending'") != "0" {
            try #require(clock.now < deadline, "approvals still pending a minute later")
            try await Task.sleep(for: .milliseconds(200))
        }
        let counts = "SELECT count(*), count(DISTINCT approval_id) FROM audit_log WHERE kind = 'expiry'"
        #expect(try await cluster.psql(counts) == "200|200", "each approval expired exactly once")
        #expect(try await cluster.psql("SELECT count(*) FROM approvals WHERE status = 'expired'") == "200")
        let stored = try await cluster.psql("SELECT id FROM approvals").split(separator: "\n").map(String.init)
        #expect(Set(stored) == Set(acknowledged), "nothing acknowledged was lost")
        // The killed replica comes back: nothing changes.
        try await cluster.servers[0].start()
        try await Task.sleep(for: .seconds(2))
        #expect(try await cluster.psql(counts) == "200|200")
        let verify = try await ReplicaCluster.run(["audit", "verify", "--postgres", cluster.url])
        #expect(verify.status == 0 && verify.stdout.contains("400 entries verified"), "\(verify)")
    }

    @Test(.enabled(if: ReplicaCluster.PrivateServer.available, "needs PostgreSQL 15 in /usr/lib/postgresql/15 and root"))
    func aPostgresRestartUnderLoadLosesNoDecisionAndWakesEveryWaiter() async throws {
        let database = try await ReplicaCluster.PrivateServer()
        let cluster: ReplicaCluster
        do {
            cluster = try await ReplicaCluster.start(replicas: 2, on: database.server)
        } catch {
            await database.stop()
            throw error
        }
        defer { cluster.cleanUp() }
        var approvals: [String] = []
        for index in 0..<20 {
            let response = try await cluster.agent(index % 2).post("/v1/proposals", ReplicaCluster.refund(index))
            try #require(response.status == 201, "\(response)")
            approvals.append(try #require(response.string("approval", "id")))
        }
        // Every approval long-polled on replica 0 while the database restarts.
        let waits = approvals.map { id in
            Task { try await cluster.agent(0, timeout: 90).get("/v1/approvals/\(id)?wait=60") }
        }
        try await Task.sleep(for: .milliseconds(500))
        try await database.restart()
        // Decide each on replica 1, retrying while its pool reconnects; a 200 is a committed decision.
        var decided: [String: String] = [:]
        for (index, id) in approvals.enumerated() {
            let decision = index.isMultiple(of: 2) ? "approve" : "reject"
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(30)
            while true {
                let response = try? await cluster.approver(1).post("/v1/approvals/\(id)/decision", #"{"decision":"\#(decision)"}"#)
                if response?.status == 200 {
                    decided[id] = decision == "approve" ? "approved" : "rejected"
                    break
                }
                try #require(clock.now < deadline, "replica 1 did not decide after the restart: \(String(describing: response))")
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        for (id, wait) in zip(approvals, waits) {
            let result = try await wait.value
            #expect(result.string("status") == decided[id], "waiter on \(id): \(result)")
        }
        for (id, status) in decided {
            #expect(try await cluster.psql("SELECT status FROM approvals WHERE id = '\(id)'") == status)
        }
        #expect(try await cluster.psql("SELECT count(*) FROM audit_log WHERE kind = 'decision'") == "20")
        cluster.cleanUp()
        await database.stop()
    }
}

/// Replicas of `countersign serve` on one fresh database, sharing configured credentials.
final class ReplicaCluster: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Server: Sendable {
        var host: String
        var port: Int
        var user: String
        var password: String
        var database: String
    }

    static let server: Server? = {
        let environment = ProcessInfo.processInfo.environment
        guard let host = environment["POSTGRES_HOSTNAME"], let user = environment["POSTGRES_USER"], let database = environment["POSTGRES_DB"]
        else { return nil }
        return Server(
            host: host, port: environment["POSTGRES_PORT"].flatMap(Int.init) ?? 5432, user: user,
            password: environment["POSTGRES_PASSWORD"] ?? "", database: database)
    }()

    let servers: [ServerProcess]
    let server: Server
    let database: String
    let agentKey = "agent-key-" + UUID().uuidString
    let approverToken = "approver-token-" + UUID().uuidString
    let configPath: String

    /// The database URL, without a password (the replicas read PGPASSWORD).
    var url: String {
        return "postgres://\(server.user)@\(server.host):\(server.port)/\(database)"
    }

    private init(replicas: Int, server: Server) throws {
        self.server = server
        let database = "cs_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let configPath = try CLIRunner.temporaryFile(
            """
            agents:
              - {name: support-bot, key_env: CS_REPLICA_AGENT_KEY}
            approvers:
              - {name: alice, token_env: CS_REPLICA_APPROVER_TOKEN, may_approve: {risk_classes: [financial], max_amount: 10000}}
            """)
        self.database = database
        self.configPath = configPath
        let environment = [
            "CS_REPLICA_AGENT_KEY": agentKey, "CS_REPLICA_APPROVER_TOKEN": approverToken, "PGPASSWORD": server.password,
        ]
        let url = "postgres://\(server.user)@\(server.host):\(server.port)/\(database)"
        servers = try (0..<replicas).map { _ in
            try ServerProcess(configPath: configPath, environment: environment, databaseArguments: ["--postgres", url])
        }
    }

    /// Creates an empty database and starts every replica on it at the same time.
    static func start(replicas: Int, on server: Server? = nil) async throws -> ReplicaCluster {
        let cluster = try ReplicaCluster(replicas: replicas, server: server ?? Self.server!)
        do {
            _ = try await cluster.psql("CREATE DATABASE \(cluster.database)", database: cluster.server.database)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for server in cluster.servers { group.addTask { try await server.start() } }
                try await group.waitForAll()
            }
        } catch {
            cluster.cleanUp()
            throw error
        }
        return cluster
    }

    func agent(_ index: Int, timeout: TimeInterval = 30) -> HTTPClient {
        HTTPClient(baseURL: servers[index].baseURL, token: agentKey, timeout: timeout)
    }

    func approver(_ index: Int) -> HTTPClient { servers[index].client(token: approverToken) }

    /// Stops the replicas and drops the database.
    func cleanUp() {
        for server in servers { server.cleanUp() }
        try? FileManager.default.removeItem(atPath: configPath)
        _ = try? psqlBlocking("DROP DATABASE IF EXISTS \(database) WITH (FORCE)", database: server.database)
    }

    /// Runs one statement with psql; the rows, `|`-separated, one a line.
    @discardableResult
    func psql(_ sql: String, database: String? = nil) async throws -> String {
        try Self.checked(await ChildProcess.run("/usr/bin/psql", psqlArguments(sql, database), environment: ["PGPASSWORD": server.password]), sql)
    }

    /// `psql`, on the calling thread: for `cleanUp`, which cannot await.
    @discardableResult
    func psqlBlocking(_ sql: String, database: String? = nil) throws -> String {
        try Self.checked(ChildProcess.runBlocking("/usr/bin/psql", psqlArguments(sql, database), environment: ["PGPASSWORD": server.password]), sql)
    }

    private func psqlArguments(_ sql: String, _ database: String?) -> [String] {
        [
            "-h", server.host, "-p", String(server.port), "-U", server.user, "-d", database ?? self.database, "-X", "-A", "-t",
            "-v", "ON_ERROR_STOP=1", "-c", sql,
        ]
    }

    private static func checked(_ run: ChildOutput, _ sql: String) throws -> String {
        guard run.status == 0 else { throw Failure(description: "psql \(sql): \(run.stderr)") }
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A PostgreSQL 15 of the test's own (initdb as in TOOLCHAIN.md, a random port), so that
    /// restarting it disturbs no other test; `stop()` removes it.
    final class PrivateServer: Sendable {
        let folder: String
        let server: Server

        init() async throws {
            folder = ServerProcess.temporaryDirectory()
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try await Self.shell("chown postgres:postgres '\(folder)'")
            try await Self.shell(
                "runuser -u postgres -- \(Self.bin)/initdb -D '\(folder)/data' -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8")
            let port = try await Self.start(folder)
            server = Server(host: "127.0.0.1", port: port, user: "postgres", password: "postgres", database: "postgres")
        }

        /// Starts the server in `folder` on a port below the kernel's ephemeral ones and the
        /// 20000–60000 of ServerProcess's children; a start that fails anyway (the port was taken)
        /// tries another one. Returns the port.
        private static func start(_ folder: String) async throws -> Int {
            var attempt = 1
            while true {
                let port = Int.random(in: 10000...19999)
                do {
                    try await shell(
                        "runuser -u postgres -- \(bin)/pg_ctl -D '\(folder)/data' -l '\(folder)/log' -w -t 120 "
                            + "-o \"-p \(port) -k \(folder) -c listen_addresses=127.0.0.1\" start")
                    return port
                } catch  where attempt < 3 {
                    attempt += 1
                }
            }
        }

        static let bin = "/usr/lib/postgresql/15/bin"
        static var available: Bool { FileManager.default.isExecutableFile(atPath: bin + "/initdb") && getuid() == 0 }

        /// Restarts it (fast shutdown: every open connection is dropped).
        func restart() async throws {
            try await Self.shell("runuser -u postgres -- \(Self.bin)/pg_ctl -D '\(folder)/data' -m fast -w -t 120 restart")
        }

        func stop() async {
            try? await Self.shell("runuser -u postgres -- \(Self.bin)/pg_ctl -D '\(folder)/data' -m fast -w stop")
            try? FileManager.default.removeItem(atPath: folder)
        }

        /// Runs a command through `system` on a thread of its own: pg_ctl's server outlives it,
        /// and Foundation's Process does not notice such a child's end here.
        static func shell(_ command: String) async throws {
            let status = await withCheckedContinuation { continuation in
                Thread.detachNewThread { continuation.resume(returning: system(command + " > /dev/null 2>&1 < /dev/null")) }
            }
            guard status == 0 else { throw Failure(description: "\(command) failed (\(status))") }
        }
    }

    /// Runs `countersign` with PGPASSWORD set.
    static func run(_ arguments: [String]) async throws -> (status: Int32?, stdout: String, stderr: String) {
        try await ServerProcess.Child.run(arguments, environment: ["PGPASSWORD": server!.password])
    }

    static func refund(_ index: Int, extra: String? = nil) -> String {
        var members = [
            #""agent":"support-bot""#, #""operation":"refund""#, #""confidence":0.9"#, #""amount":120"#, #""currency":"USD""#,
            #""subject":"customer-\#(index)""#, #""action":"Refund order A-\#(index)""#,
        ]
        if let extra { members.append(extra) }
        return "{" + members.joined(separator: ",") + "}"
    }
}
