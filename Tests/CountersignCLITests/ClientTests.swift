import CountersignClient
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The Swift client against the real `countersign serve` (trial configuration, default policy):
/// every path of `guarded`, typed errors, and retries that never create a second proposal.
@Suite("Swift client against the real server", .serialized)
struct ClientTests {
    /// A client for the server's trial agent, with quick retries.
    static func client(
        _ server: ServerProcess, retry: RetryPolicy = RetryPolicy(maxAttempts: 6, initialBackoff: .milliseconds(100))
    ) -> CountersignClient {
        CountersignClient(configuration: .init(baseURL: server.baseURL, agentKey: server.agentKey ?? "", retry: retry))
    }

    /// A refund held for approval by the default policy (financial, confidence below notify).
    static func refund(_ label: String = "A-1042", timeout: Duration? = nil) -> Proposal {
        Proposal(
            agent: "trial-agent", operation: "refund", confidence: 0.9, action: "Refund order \(label)", amount: Decimal(string: "120.50"),
            currency: "USD", subject: "customer-\(label)", context: ["order_id": .string(label)], fallback: "Tell the customer we will follow up",
            timeout: timeout)
    }

    /// Decides an approval as the trial approver once a waiter is attached.
    static func decide(_ server: ServerProcess, _ approvalID: String, _ decision: String, after delay: Duration = .milliseconds(300)) async throws {
        try await Task.sleep(for: delay)
        let response = try await server.approver.post("/v1/approvals/\(approvalID)/decision", json: ["decision": decision, "comment": "test"])
        #expect(response.status == 200, "\(response)")
    }

    @Test("auto and notify verdicts run the action at once and report it succeeded")
    func autoAndNotify() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let client = Self.client(server)
        for (confidence, level) in [(0.9, Level.auto), (0.5, Level.notify)] {
            let lookup = Proposal(agent: "trial-agent", operation: "lookup_order", confidence: confidence, action: "Look up order A-1")
            let result = try await client.guarded(lookup) { "looked up" }
            guard case .executed(let value, let verdict) = result else { Issue.record("not executed: \(result)"); continue }
            #expect(value == "looked up")
            #expect(verdict.level == level)
            #expect(verdict.approval == nil)
            let record = try await client.proposalRecord(verdict.proposalID)
            #expect(record.outcome == .succeeded)
        }
    }

    @Test("approve: runs after a human approves, waiting on the long poll")
    func approved() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let client = Self.client(server)
        let proposal = Self.refund()
        let verdict = try await client.propose(proposal)
        #expect(verdict.level == .approve)
        #expect(!verdict.isReplay)
        let approvalID = try #require(verdict.approval?.id)
        async let decision: Void = Self.decide(server, approvalID, "approve")
        let clock = ContinuousClock()
        let started = clock.now
        // The same value again: the gateway answers with the first verdict, and guarded waits on it.
        let result = try await client.guarded(proposal, waitingUpTo: .seconds(300)) { 42 }
        try await decision
        guard case .executed(let value, let replayed) = result else { Issue.record("not executed: \(result)"); return }
        #expect(value == 42)
        #expect(replayed.isReplay)
        #expect(replayed.proposalID == verdict.proposalID)
        #expect(clock.now - started < .seconds(150), "woken by the decision, not by the end of its 300 s wait")
        #expect(try await client.proposalRecord(verdict.proposalID).outcome == .succeeded)
    }

    @Test("rejected, taken over and escalated take the fallback without running the action", arguments: ["reject", "take_over", "escalate"])
    func fallbacks(_ path: String) async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let client = Self.client(server)
        var proposal = Self.refund(path)
        if path == "escalate" { proposal.confidence = 0.3 }
        let ran = Counter()
        let verdict = try await client.propose(proposal)
        var decision: Task<Void, any Error>?
        if path != "escalate", let id = verdict.approval?.id {
            decision = Task { try await Self.decide(server, id, path) }
        }
        let result = try await client.guarded(proposal, waitingUpTo: .seconds(30)) { ran.increment() }
        try await decision?.value
        guard case .fallback(let fallback) = result else { Issue.record("executed: \(result)"); return }
        #expect(ran.value == 0)
        #expect(fallback.text == "Tell the customer we will follow up")
        let expected: [String: FallbackReason] = ["reject": .rejected, "take_over": .takenOver, "escalate": .escalated]
        #expect(fallback.reason == expected[path])
        #expect(throws: CountersignError.self) { try result.get() }
        #expect(try await client.proposalRecord(verdict.proposalID).outcome == nil)
        if path != "escalate" {
            // A retry of the same proposal learns who decided and why from the replayed verdict.
            let replay = try await client.propose(proposal)
            #expect(replay.isReplay)
            #expect(replay.approval?.comment == "test")
            #expect(replay.approval?.decidedBy == "trial-approver")
            #expect(replay.approval?.decidedAt != nil)
        }
    }

    @Test("expired: nobody answers before the proposal's own deadline")
    func expired() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let client = Self.client(server)
        let result = try await client.guarded(Self.refund(timeout: .seconds(1)), waitingUpTo: .seconds(20)) { "ran" }
        guard case .fallback(let fallback) = result else { Issue.record("executed: \(result)"); return }
        #expect(fallback.reason == .expired)
        #expect(fallback.approval?.decidedBy == "system")
        guard case .expired = fallback.error else { Issue.record("\(fallback.error)"); return }
    }

    @Test("a wait that runs out returns the fallback; the same proposal later reattaches to the same approval")
    func stillPendingThenReattach() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let client = Self.client(server)
        let proposal = Self.refund()
        let first = try await client.guarded(proposal, waitingUpTo: .milliseconds(600)) { "ran" }
        guard case .fallback(let fallback) = first else { Issue.record("executed: \(first)"); return }
        #expect(fallback.reason == .stillPending)
        let approvalID = try #require(fallback.approval?.id)
        async let decision: Void = Self.decide(server, approvalID, "approve")
        let second = try await client.guarded(proposal, waitingUpTo: .seconds(30)) { "ran" }
        try await decision
        guard case .executed(_, let verdict) = second else { Issue.record("not executed: \(second)"); return }
        #expect(verdict.approval?.id == approvalID)
        let queue = try await server.approver.get("/v1/approvals")
        #expect((queue["items"] as? [Any])?.count == 1)
    }

    @Test("the action's error is rethrown and reported as a failed outcome")
    func executeThrows() async throws {
        struct Boom: Error {}
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let client = Self.client(server)
        let lookup = Proposal(agent: "trial-agent", operation: "lookup_order", confidence: 0.9, action: "Look up order A-2")
        await #expect(throws: Boom.self) { _ = try await client.guarded(lookup) { () async throws -> Int in throw Boom() } }
        let verdict = try await client.propose(lookup)
        #expect(verdict.isReplay)
        #expect(try await client.proposalRecord(verdict.proposalID).outcome == .failed)
        // A second report is refused with the server's code.
        await #expect(throws: CountersignError.refused(status: 409, code: "outcome_recorded", message: "")) {
            do { try await client.report(outcome: .succeeded, for: verdict.proposalID) } catch let error as CountersignError {
                if case .refused(let status, let code, _) = error { throw CountersignError.refused(status: status, code: code, message: "") }
                throw error
            }
        }
    }

    @Test("refusals carry the server's code: invalid proposal, key reused for another proposal, bad key")
    func refusals() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let client = Self.client(server)
        var invalid = Self.refund()
        invalid.confidence = 1.5
        do {
            _ = try await client.propose(invalid)
            Issue.record("accepted an invalid proposal")
        } catch let error as CountersignError {
            #expect(error.code == "invalid_proposal")
        }
        var proposal = Self.refund()
        _ = try await client.propose(proposal)
        proposal.amount = 9999
        do {
            _ = try await client.guarded(proposal) { "ran" }
            Issue.record("accepted a reused key")
        } catch let error as CountersignError {
            #expect(error.code == "idempotency_key_reused")
        }
        let stranger = CountersignClient(configuration: .init(baseURL: server.baseURL, agentKey: "cs_agent_wrong_wrong_wrong_wrong"))
        do {
            _ = try await stranger.propose(Self.refund())
            Issue.record("accepted a bad key")
        } catch let error as CountersignError {
            guard case .refused(401, "unauthorized", _) = error else { Issue.record("\(error)"); return }
        }
    }

    @Test("an unreachable gateway is a network error after the retries, and the action does not run")
    func unreachable() async throws {
        let ran = Counter()
        let client = CountersignClient(
            configuration: .init(
                baseURL: URL(string: "http://127.0.0.1:9")!, agentKey: "k", retry: RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(20))))
        do {
            _ = try await client.guarded(Self.refund()) { ran.increment() }
            Issue.record("no error")
        } catch let error as CountersignError {
            guard case .network(let detail) = error else { Issue.record("\(error)"); return }
            #expect(detail.contains("after 3 attempts"))
        }
        #expect(ran.value == 0)
    }

    @Test("a proposal whose answer is lost to a timeout is retried with the same key: one proposal, one approval")
    func retryWithoutDuplicates() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let pid = try #require(server.processIdentifier)
        let client = CountersignClient(
            configuration: .init(
                baseURL: server.baseURL, agentKey: server.agentKey ?? "",
                retry: RetryPolicy(maxAttempts: 12, initialBackoff: .milliseconds(300), maxBackoff: .seconds(1)),
                requestTimeout: .milliseconds(1500)))
        // Freeze the server: the first attempt is accepted by the kernel but answered only after
        // the client gave up on it; the retries carry the same idempotency key.
        kill(pid, SIGSTOP)
        let thaw = Task {
            try await Task.sleep(for: .milliseconds(2500))
            kill(pid, SIGCONT)
        }
        let verdict = try await client.propose(Self.refund())
        try await thaw.value
        #expect(verdict.isReplay, "the answer should be the first attempt's verdict")
        let queue = try await server.approver.get("/v1/approvals")
        let items = queue["items"] as? [[String: Any]] ?? []
        #expect(items.count == 1, "\(queue)")
        #expect(items.first?["id"] as? String == verdict.approval?.id)
    }

    @Test("a long poll survives a gateway restart and returns the decision")
    func waitReconnects() async throws {
        let server = try await ServerProcess.start()
        defer { server.cleanUp() }
        let client = Self.client(server, retry: RetryPolicy(maxAttempts: 6, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(500)))
        let verdict = try await client.propose(Self.refund())
        let approvalID = try #require(verdict.approval?.id)
        let waiting = Task { try await client.wait(for: approvalID, timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(500))
        await server.kill9()
        try await Task.sleep(for: .milliseconds(500))
        let port = server.port
        try await server.start()
        try #require(server.port == port, "the restarted server took another port")
        try await Self.decide(server, approvalID, "approve", after: .milliseconds(200))
        let approval = try await waiting.value
        #expect(approval.status == .approved)
        #expect(approval.decidedBy == "trial-approver")
    }
}

/// A thread-safe counter for closures that must (not) run.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
