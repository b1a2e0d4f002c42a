import Foundation
import GRDB
import Testing

/// Process-level durability and concurrency: the built `countersign serve`, killed with SIGKILL or
/// stopped with SIGTERM, restarted on the same SQLite file, and driven over HTTP. Every test has its
/// own temporary database and port, so they run in parallel.
@Suite struct CrashRecoveryTests {
    static let trialAgent = "trial-agent"
    static let trialApprover = "trial-approver"

    // MARK: 1. Kill -9 with approvals pending and just decided

    @Test func killNineKeepsEveryAcknowledgedProposalAndDecisionAndAppliesNothingTwice() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        try #require(server.agentKey != nil && server.approverToken != nil, "trial credentials at first start:\n\(server.stdout)")
        let agent = server.agent
        let approver = server.approver

        var held: [(proposal: String, approval: String)] = []
        for index in 0..<20 {
            let response = try await agent.post("/v1/proposals", Self.refund(index, key: "crash-\(index)"))
            try #require(response.status == 201, "\(response)")
            #expect(response.string("level") == "approve")
            #expect(response.string("approval", "status") == "pending")
            held.append((try #require(response.string("proposal_id")), try #require(response.string("approval", "id"))))
        }
        // Decide the first half, alternating, and kill -9 right after the last decision is acknowledged.
        var decided: [String: (status: String, comment: String)] = [:]
        for (index, item) in held.prefix(10).enumerated() {
            let decision = index.isMultiple(of: 2) ? "approve" : "reject"
            let comment = "decision \(index) before the crash"
            let response = try await approver.post(
                "/v1/approvals/\(item.approval)/decision", #"{"decision":"\#(decision)","comment":"\#(comment)"}"#)
            try #require(response.status == 200, "\(response)")
            let status = decision == "approve" ? "approved" : "rejected"
            #expect(response.string("status") == status)
            decided[item.approval] = (status, comment)
        }
        await server.kill9()
        #expect(!server.isRunning)

        try await server.start()
        #expect(server.stdout.contains("Trial credentials were shown at first start"))
        let agentAfter = server.agent
        let approverAfter = server.approver
        for item in held {
            let response = try await approverAfter.get("/v1/proposals/\(item.proposal)")
            try #require(response.status == 200, "acknowledged proposal \(item.proposal) lost: \(response)")
            #expect(response.string("approval", "id") == item.approval)
            if let expected = decided[item.approval] {
                #expect(response.string("approval", "status") == expected.status)
                #expect(response.string("approval", "decided_by") == Self.trialApprover)
                #expect(response.string("approval", "comment") == expected.comment)
                #expect(response.string("approval", "decided_at") != nil)
            } else {
                #expect(response.string("approval", "status") == "pending")
                #expect(response["approval", "decided_by"] == nil)
                #expect(response["approval", "decided_at"] == nil)
            }
            // The agent that proposed it sees it too.
            #expect(try await agentAfter.get("/v1/proposals/\(item.proposal)").status == 200)
        }

        // Deciding a decided approval again is refused and changes nothing.
        for (approval, expected) in decided {
            let opposite = expected.status == "approved" ? "reject" : "approve"
            let again = try await approverAfter.post("/v1/approvals/\(approval)/decision", #"{"decision":"\#(opposite)"}"#)
            #expect(again.status == 409, "\(again)")
            #expect(again.errorCode == "not_pending")
            let now = try await approverAfter.get("/v1/approvals/\(approval)")
            #expect(now.string("status") == expected.status)
            #expect(now.string("comment") == expected.comment)
        }
        // The pending ones survived as pending and are still decidable.
        let queue = try await approverAfter.get("/v1/approvals?status=pending&limit=200")
        let queued = Set(((queue["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
        #expect(queued == Set(held.suffix(10).map(\.approval)))
        for item in held.suffix(10) {
            let response = try await approverAfter.post("/v1/approvals/\(item.approval)/decision", #"{"decision":"approve"}"#)
            #expect(response.status == 200, "\(response)")
        }

        #expect(await server.terminate() == 0)
        let rows = try AuditLog.rows(server.databasePath)
        #expect(rows.filter { $0.kind == "proposal" }.count == 20)
        for item in held {
            let decisions = rows.filter { $0.kind == "decision" && $0.approvalID == item.approval }
            #expect(decisions.count == 1, "approval \(item.approval) has \(decisions.count) decision entries")
            if let expected = decided[item.approval] {
                #expect(decisions.first?.data.contains(#""status":"\#(expected.status)""#) == true)
            }
        }
        let verify = try await Self.auditVerify(server.databasePath)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("intact"))
    }

    // MARK: 2. Overdue approvals expire exactly once, even when the server was down at the deadline

    @Test func overdueApprovalsExpireExactlyOnceAfterTheServerWasDownAtTheDeadline() async throws {
        let clock = ContinuousClock()
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let agent = server.agent

        let created = clock.now
        var approvals: [(id: String, deadline: Date)] = []
        for index in 0..<5 {
            let response = try await agent.post("/v1/proposals", Self.refund(index, extra: #""timeout":"15s""#))
            try #require(response.status == 201, "\(response)")
            #expect(response.string("approval", "status") == "pending")
            approvals.append((try #require(response.string("approval", "id")), try #require(Self.date(response.string("approval", "deadline")))))
        }
        await server.kill9()
        // 15 s deadlines: the whole suite on a loaded 2-core machine once needed over 6 s for these
        // five proposals.
        try #require(clock.now - created < .seconds(15), "the server must be down at the deadline for this test to mean anything")

        try await Task.sleep(until: created + .seconds(16), clock: .continuous)
        let restartedAt = Date()
        let restarted = clock.now
        try await server.start()
        let approver = server.approver
        for approval in approvals {
            var last: HTTPResult?
            repeat {
                last = try await approver.get("/v1/approvals/\(approval.id)?wait=5")
            } while last?.string("status") == "pending" && clock.now - restarted < .seconds(8)
            let response = try #require(last)
            #expect(response.string("status") == "expired", "\(response)")
            #expect(response.string("decided_by") == "system")
            let decidedAt = try #require(Self.date(response.string("decided_at")))
            #expect(decidedAt >= approval.deadline)
            #expect(decidedAt >= restartedAt.addingTimeInterval(-0.01), "expired after the restart, not before the crash")
        }
        #expect(clock.now - restarted < .seconds(5), "overdue approvals expire promptly at start")

        // Too late for a human now.
        let late = try await approver.post("/v1/approvals/\(approvals[0].id)/decision", #"{"decision":"approve"}"#)
        #expect(late.status == 409)
        #expect(late.errorCode == "not_pending")

        #expect(await server.terminate() == 0)
        let rows = try AuditLog.rows(server.databasePath)
        for approval in approvals {
            let expiries = rows.filter { $0.kind == "expiry" && $0.approvalID == approval.id }
            #expect(expiries.count == 1, "approval \(approval.id) has \(expiries.count) expiry entries")
            #expect(expiries.first?.actor == "system")
            #expect(!rows.contains { $0.kind == "decision" && $0.approvalID == approval.id })
        }
        #expect(rows.filter { $0.kind == "expiry" }.count == approvals.count)
        let verify = try await Self.auditVerify(server.databasePath)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("intact"))
    }

    // MARK: 3. Idempotent retries across a restart

    @Test func retryAfterKillNineReturnsTheFirstVerdictAndADifferentBodyReusingTheKeyIsRefused() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let body = Self.refund(1, key: "retry-1")
        let first = try await server.agent.post("/v1/proposals", body)
        try #require(first.status == 201, "\(first)")
        let proposalID = try #require(first.string("proposal_id"))
        let approvalID = try #require(first.string("approval", "id"))
        #expect(first.string("level") == "approve")

        await server.kill9()
        try await server.start()
        let agent = server.agent

        let retry = try await agent.post("/v1/proposals", body)
        #expect(retry.status == 200, "\(retry)")
        #expect(retry.string("proposal_id") == proposalID)
        #expect(retry.string("approval", "id") == approvalID)
        #expect(retry.string("level") == "approve")
        #expect(retry.string("approval", "status") == "pending")

        // The same key with a different body is a client bug: refused (422), nothing created.
        let different = #"""
            {"idempotency_key":"retry-1","agent":"trial-agent","operation":"refund","confidence":0.999,"amount":5,"action":"Something else entirely"}
            """#
        let reused = try await agent.post("/v1/proposals", different)
        #expect(reused.status == 422, "\(reused)")
        #expect(reused.string("error", "code") == "idempotency_key_reused")

        let stored = try await server.approver.get("/v1/proposals/\(proposalID)")
        #expect(stored.string("proposal", "action") == "Refund order A-1")
        let queue = try await server.approver.get("/v1/approvals")
        #expect((queue["items"] as? [Any])?.count == 1)

        #expect(await server.terminate() == 0)
        let rows = try AuditLog.rows(server.databasePath)
        #expect(rows.filter { $0.kind == "proposal" }.count == 1)
    }

    // MARK: 4. Two approvers deciding at once

    @Test func twoApproversDecidingAtOnceExactlyOneWins() async throws {
        let agentKey = "agent-key-" + UUID().uuidString
        let aliceToken = "alice-token-" + UUID().uuidString
        let bobToken = "bob-token-" + UUID().uuidString
        let config = try CLIRunner.temporaryFile(
            """
            agents:
              - {name: support-bot, key_env: CS_TEST_SUPPORT_BOT_KEY}
            approvers:
              - name: alice
                token_env: CS_TEST_ALICE_TOKEN
                may_approve: {risk_classes: [financial], max_amount: 10000}
              - name: bob
                token_env: CS_TEST_BOB_TOKEN
                may_approve: {risk_classes: [financial], max_amount: 10000}
            """)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let server = try await ServerProcess.start(
            configPath: config,
            environment: ["CS_TEST_SUPPORT_BOT_KEY": agentKey, "CS_TEST_ALICE_TOKEN": aliceToken, "CS_TEST_BOB_TOKEN": bobToken])
        defer { server.cleanUp() }
        #expect(server.agentKey == nil, "no trial credentials when the configuration names them")
        #expect(!server.stdout.contains(agentKey) && !server.stderr.contains(aliceToken), "secrets are never printed")
        let agent = server.client(token: agentKey)
        let alice = server.client(token: aliceToken)
        let bob = server.client(token: bobToken)

        var approvals: [String] = []
        for index in 0..<10 {
            let response = try await agent.post("/v1/proposals", Self.refund(index, agent: "support-bot"))
            try #require(response.status == 201, "\(response)")
            approvals.append(try #require(response.string("approval", "id")))
        }

        // Every approval gets alice's approve and bob's reject at the same time (20 requests in flight).
        let results = try await withThrowingTaskGroup(of: (approval: String, who: String, response: HTTPResult).self) { group in
            for approval in approvals {
                group.addTask { (approval, "alice", try await alice.post("/v1/approvals/\(approval)/decision", #"{"decision":"approve"}"#)) }
                group.addTask { (approval, "bob", try await bob.post("/v1/approvals/\(approval)/decision", #"{"decision":"reject"}"#)) }
            }
            var all: [(approval: String, who: String, response: HTTPResult)] = []
            for try await result in group { all.append(result) }
            return all
        }

        let rows: [AuditLog.Row]
        var winners: [String: String] = [:]
        for approval in approvals {
            let pair = results.filter { $0.approval == approval }
            try #require(pair.count == 2)
            #expect(pair.map(\.response.status).sorted() == [200, 409], "\(pair.map(\.response))")
            guard let winner = pair.first(where: { $0.response.status == 200 }), let loser = pair.first(where: { $0.response.status == 409 })
            else { continue }
            winners[approval] = winner.who
            let status = winner.who == "alice" ? "approved" : "rejected"
            #expect(winner.response.string("status") == status)
            #expect(winner.response.string("decided_by") == winner.who)
            #expect(loser.response.errorCode == "not_pending")
            #expect(loser.response.errorMessage?.contains("\(status) by \(winner.who)") == true, "\(loser.response)")
            let final = try await alice.get("/v1/approvals/\(approval)")
            #expect(final.string("status") == status)
            #expect(final.string("decided_by") == winner.who)
        }

        #expect(await server.terminate() == 0)
        rows = try AuditLog.rows(server.databasePath)
        for approval in approvals {
            let decisions = rows.filter { $0.kind == "decision" && $0.approvalID == approval }
            #expect(decisions.count == 1)
            #expect(decisions.first?.actor == winners[approval])
        }
    }

    // MARK: 5. Graceful shutdown, then tampering with the audit log is detected

    @Test func gracefulShutdownThenTamperingWithTheAuditLogIsDetected() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let agent = server.agent
        let approver = server.approver

        var held: [(proposal: String, approval: String)] = []
        for index in 0..<4 {
            let response = try await agent.post("/v1/proposals", Self.refund(index))
            try #require(response.status == 201, "\(response)")
            held.append((try #require(response.string("proposal_id")), try #require(response.string("approval", "id"))))
        }
        for (item, decision) in zip(held, ["approve", "reject", "take_over"]) {
            let response = try await approver.post("/v1/approvals/\(item.approval)/decision", #"{"decision":"\#(decision)"}"#)
            try #require(response.status == 200, "\(response)")
        }
        let outcome = try await agent.post("/v1/proposals/\(held[0].proposal)/outcome", #"{"outcome":"succeeded","detail":"refunded"}"#)
        try #require(outcome.status == 200, "\(outcome)")
        let auto = try await agent.post(
            "/v1/proposals", #"{"agent":"trial-agent","operation":"refund","confidence":0.995,"amount":10,"action":"Refund a small fee"}"#)
        try #require(auto.status == 201, "\(auto)")
        #expect(auto.string("level") == "auto")

        // Graceful shutdown: SIGTERM, exit status 0 within 10 s.
        let clock = ContinuousClock()
        let stopping = clock.now
        let status = await server.terminate(timeout: .seconds(10))
        #expect(status == 0, "SIGTERM: exit status \(status.map(String.init) ?? "none: still running after 10 s")\n\(server.stderr)")
        #expect(clock.now - stopping < .seconds(10))
        try #require(!server.isRunning)

        let database = server.databasePath
        let intact = try await Self.auditVerify(database)
        #expect(intact.status == 0, "\(intact.stdout)\(intact.stderr)")
        #expect(intact.stdout.contains("intact: 9 entries verified"), "\(intact.stdout)")

        let rows = try AuditLog.rows(database)
        try #require(rows.map(\.seq) == Array(1...9))

        // Turn the rejection into an approval.
        let rejection = try #require(rows.first { $0.kind == "decision" && $0.data.contains(#""rejected""#) })
        #expect(
            try AuditLog.execute(
                database, "UPDATE audit_log SET data = ? WHERE seq = ?", [#"{"decision":"approve","status":"approved"}"#, rejection.seq]) == 1)
        let changed = try await Self.auditVerify(database)
        #expect(changed.status == 1)
        #expect(changed.stdout.contains("BROKEN at entry \(rejection.seq):"), "\(changed.stdout)\(changed.stderr)")
        #expect(try AuditLog.execute(database, "UPDATE audit_log SET data = ? WHERE seq = ?", [rejection.data, rejection.seq]) == 1)
        #expect(try await Self.auditVerify(database).status == 0, "restoring the original row restores the chain")

        // Claim someone else reported the outcome.
        let outcomeRow = try #require(rows.first { $0.kind == "outcome" })
        #expect(try AuditLog.execute(database, "UPDATE audit_log SET actor = 'trial-approver' WHERE seq = ?", [outcomeRow.seq]) == 1)
        let reattributed = try await Self.auditVerify(database)
        #expect(reattributed.status == 1)
        #expect(reattributed.stdout.contains("BROKEN at entry \(outcomeRow.seq):"), "\(reattributed.stdout)\(reattributed.stderr)")
        #expect(try AuditLog.execute(database, "UPDATE audit_log SET actor = ? WHERE seq = ?", [outcomeRow.actor, outcomeRow.seq]) == 1)
        #expect(try await Self.auditVerify(database).status == 0)

        // Remove an entry from the middle.
        #expect(try AuditLog.execute(database, "DELETE FROM audit_log WHERE seq = 4", []) == 1)
        let deleted = try await Self.auditVerify(database)
        #expect(deleted.status == 1)
        #expect(deleted.stdout.contains("BROKEN at entry 5:"), "\(deleted.stdout)\(deleted.stderr)")
        #expect(deleted.stdout.contains("expected entry 4"), "\(deleted.stdout)")
    }

    // MARK: 6. An agent key can never decide

    @Test func anAgentKeyCanNeverDecideAndTheApprovalStaysPending() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let agent = server.agent
        let approver = server.approver
        let proposed = try await agent.post("/v1/proposals", Self.refund(1))
        try #require(proposed.status == 201, "\(proposed)")
        let approval = try #require(proposed.string("approval", "id"))

        for decision in ["approve", "reject", "take_over"] {
            let response = try await agent.post("/v1/approvals/\(approval)/decision", #"{"decision":"\#(decision)"}"#)
            #expect(response.status == 403, "\(decision): \(response)")
            #expect(response.errorCode == "approvers_only")
        }
        for client in [agent, approver] {
            let now = try await client.get("/v1/approvals/\(approval)")
            #expect(now.status == 200)
            #expect(now.string("status") == "pending")
            #expect(now["decided_by"] == nil)
        }
        // The queue is approvers' business too.
        #expect(try await agent.get("/v1/approvals?status=pending").status == 403)

        let decided = try await approver.post("/v1/approvals/\(approval)/decision", #"{"decision":"approve"}"#)
        #expect(decided.status == 200)
        #expect(decided.string("decided_by") == Self.trialApprover)

        #expect(await server.terminate() == 0)
        let decisions = try AuditLog.rows(server.databasePath).filter { $0.kind == "decision" }
        #expect(decisions.map(\.actor) == [Self.trialApprover])
    }

    // MARK: 7. A configuration naming an unset variable is refused at start

    @Test func aConfigurationWithAnUnsetKeyVariableIsRefusedWithExitTwoNamingTheVariable() async throws {
        let directory = ServerProcess.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = (directory as NSString).appendingPathComponent("countersign.db")
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "_")
        let unset = "CS_TEST_UNSET_KEY_\(suffix)"
        let tokenVariable = "CS_TEST_ALICE_TOKEN_\(suffix)"
        let secret = "alice-secret-" + UUID().uuidString
        let config = (directory as NSString).appendingPathComponent("countersign.yaml")
        try """
        agents:
          - {name: support-bot, key_env: \(unset)}
        approvers:
          - {name: alice, token_env: \(tokenVariable)}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let arguments = ["serve", "--config", config, "--db", database, "--host", "127.0.0.1", "--port", String(Int.random(in: 20000...60000))]

        let refused = try await ServerProcess.Child.run(arguments, environment: [tokenVariable: secret], timeout: .seconds(20))
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains(unset), "\(refused.stderr)")
        #expect(refused.stderr.contains("is not set"), "\(refused.stderr)")
        #expect(!refused.stdout.contains(secret) && !refused.stderr.contains(secret), "a secret was printed")
        #expect(!refused.stdout.contains("is listening"))
        #expect(!FileManager.default.fileExists(atPath: database), "nothing starts: not even the database is created")

        // A secret too short is refused the same way, naming the variable and never echoing the value.
        let short = "short-secret-9"
        let tooShort = try await ServerProcess.Child.run(
            arguments, environment: [unset: short, tokenVariable: secret], timeout: .seconds(20))
        #expect(tooShort.status == 2, "\(tooShort)")
        #expect(tooShort.stderr.contains(unset) && tooShort.stderr.contains("shorter than 16"), "\(tooShort.stderr)")
        #expect(!(tooShort.stdout + tooShort.stderr).contains(short), "a secret was printed")
        #expect(!(tooShort.stdout + tooShort.stderr).contains(secret), "a secret was printed")
    }

    // MARK: Beyond the brief: found while writing the helper

    /// Agents long-poll all the time; a deploy (SIGTERM) must not wait for every poll to run out.
    @Test func sigtermEndsWithinTenSecondsEvenWithALongPollInFlight() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let agent = server.agent
        let proposed = try await agent.post("/v1/proposals", Self.refund(1))
        try #require(proposed.status == 201, "\(proposed)")
        let approval = try #require(proposed.string("approval", "id"))
        let poll = Task { try await agent.get("/v1/approvals/\(approval)?wait=25") }
        try await Task.sleep(for: .milliseconds(500))

        let status = await server.terminate(timeout: .seconds(10))
        #expect(status == 0, "SIGTERM with one long poll (wait=25) in flight: \(status.map { "exit \($0)" } ?? "still running after 10 s")")
        await server.kill9()
        _ = try? await poll.value
    }

    /// "countersign is listening" is the line supervisors and scripts wait for: it must be true. And a
    /// first start that cannot bind neither shows nor keeps trial credentials, so the next start on
    /// that database shows its own (instead of saying they were shown already).
    @Test func aTakenPortIsRefusedWithoutClaimingToListenOrSpendingTheTrialCredentials() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let second = try ServerProcess()
        defer { second.cleanUp() }
        let refused = try await ServerProcess.Child.run(
            ["serve", "--db", second.databasePath, "--host", "127.0.0.1", "--port", String(server.port)], timeout: .seconds(20))
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("127.0.0.1:\(server.port) is already in use") && refused.stderr.contains("--port"), "\(refused.stderr)")
        let claim = refused.stdout.split(separator: "\n").filter { $0.contains("is listening") }
        #expect(claim.isEmpty, "printed before the socket was bound, then exited on bind failure: \(claim)")
        #expect(!refused.stdout.contains("agent key") && !refused.stdout.contains("shown at first start"), "\(refused.stdout)")
        let kept = try DatabaseQueue(path: second.databasePath)
        #expect(try await kept.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM credentials") } == 0)
        try kept.close()
        #expect(server.isRunning)

        try await second.start()
        try #require(second.agentKey != nil, "the first start that listened shows the trial credentials:\n\(second.stdout)")
        let response = try await second.agent.post("/v1/proposals", Self.refund(1))
        #expect(response.status == 201, "\(response)")
        await second.kill9()
        try await second.start()
        #expect(second.stdout.contains("Trial credentials were shown at first start"))
        #expect(try await second.agent.get("/v1/proposals/\(try #require(response.string("proposal_id")))").status == 200)
    }

    // MARK: Helpers

    /// A refund of 120 at confidence 0.9: `approve` under the default policy. Each index has its own
    /// subject, so per-subject rules stay out of the way.
    static func refund(_ index: Int, agent: String = trialAgent, key: String? = nil, extra: String? = nil) -> String {
        var members = [
            #""agent":"\#(agent)""#, #""operation":"refund""#, #""confidence":0.9"#, #""amount":120"#, #""currency":"USD""#,
            #""subject":"customer-\#(index)""#, #""action":"Refund order A-\#(index)""#,
        ]
        if let key { members.insert(#""idempotency_key":"\#(key)""#, at: 0) }
        if let extra { members.append(extra) }
        return "{" + members.joined(separator: ",") + "}"
    }

    static func auditVerify(_ database: String) async throws -> (status: Int32?, stdout: String, stderr: String) {
        try await ServerProcess.Child.run(["audit", "verify", "--db", database], timeout: .seconds(30))
    }

    /// An RFC 3339 time as the API writes it (milliseconds, Z).
    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// The audit_log table, read and changed straight in the SQLite file (with the server stopped).
enum AuditLog {
    struct Row: Sendable {
        var seq: Int64
        var kind: String
        var approvalID: String?
        var actor: String
        var data: String
    }

    static func rows(_ path: String) throws -> [Row] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT seq, kind, approval_id, actor, data FROM audit_log ORDER BY seq").map {
                Row(seq: $0["seq"], kind: $0["kind"], approvalID: $0["approval_id"], actor: $0["actor"], data: $0["data"])
            }
        }
    }

    /// Runs one statement; returns how many rows it changed.
    static func execute(_ path: String, _ sql: String, _ arguments: StatementArguments) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.write { db in
            try db.execute(sql: sql, arguments: arguments)
            return db.changesCount
        }
    }
}
