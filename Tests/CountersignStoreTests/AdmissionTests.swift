import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

/// The token bucket as a value, table by table, on a clock that is only ever told the time.
@Suite struct TokenBucketTests {
    /// Steps: seconds to move the clock, then whether a take is admitted (and, if not, the wait).
    @Test(
        arguments: [
            // A full bucket of 3 takes three at once, then one per half second at 2 a second.
            (
                AgentLimits.Rate(perSecond: 2, burst: 3),
                [(0.0, nil), (0, nil), (0, nil), (0, 0.5), (0.25, 0.25), (0.25, nil), (0, 0.5)]
            ),
            // Idle time refills up to the burst, never beyond it.
            (AgentLimits.Rate(perSecond: 1, burst: 2), [(0, nil), (0, nil), (0, 1), (100, nil), (0, nil), (0, 1)]),
            // A clock that goes back refills nothing (and does not make the wait shorter).
            (AgentLimits.Rate(perSecond: 1, burst: 1), [(0, nil), (-50, 1), (50.5, 0.5), (0.5, nil)]),
            // Slow rates: one every ten seconds.
            (AgentLimits.Rate(perSecond: 0.1, burst: 1), [(0, nil), (5, 5), (5, nil)]),
        ] as [(AgentLimits.Rate, [(Double, Double?)])])
    func takesFollowTheRate(rate: AgentLimits.Rate, steps: [(Double, Double?)]) {
        var bucket = TokenBucket(rate: rate)
        var now = Date(timeIntervalSince1970: 1_800_000_000)
        for (index, (advance, wait)) in steps.enumerated() {
            now = now.addingTimeInterval(advance)
            let admission = bucket.take(at: now)
            switch (admission, wait) {
            case (.admitted, nil): break
            case (.refused(let retryAfter), .some(let expected)):
                #expect(abs(retryAfter - expected) < 1e-9, "step \(index): waits \(retryAfter), expected \(expected)")
            default: Issue.record("step \(index): \(admission), expected \(wait.map { "a wait of \($0)" } ?? "admitted")")
            }
        }
    }

    @Test func aTokenGivenBackIsUsableAndNeverOverfillsTheBucket() {
        var bucket = TokenBucket(rate: .init(perSecond: 1, burst: 2))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(bucket.take(at: now) == .admitted)
        #expect(bucket.take(at: now) == .admitted)
        bucket.giveBack(at: now)
        #expect(bucket.take(at: now) == .admitted)
        #expect(bucket.take(at: now) != .admitted)
        bucket.giveBack(at: now)
        bucket.giveBack(at: now)
        bucket.giveBack(at: now)
        #expect(bucket.tokens == 2)
    }
}

/// Per-agent rates and pending quotas through the gateway (the one door), on every engine, with a
/// clock moved by hand.
@Suite struct AdmissionTests {
    static func gateway(_ kind: StoreKind, clock: TestClock, limits: AgentLimits) async throws -> Gateway {
        Gateway(
            store: try await kind.make(), configuration: .init(policy: .default), now: { clock.now },
            admission: ProposalAdmission(limits: .init(otherwise: limits)))
    }

    /// A lookup the default policy lets through without a human.
    static func lookup(_ key: String? = nil, agent: String = "support-bot") -> Proposal {
        Proposal(idempotencyKey: key, agent: agent, operation: "lookup_order", confidence: 0.9, action: "Look up order A-1")
    }

    static func refusal(_ body: () async throws -> Void) async -> GatewayError? {
        do {
            try await body()
            return nil
        } catch let error as GatewayError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anAgentOverItsRateIsRefusedUntilTheBucketRefills(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await Self.gateway(kind, clock: clock, limits: .init(maximumPending: nil, rate: .init(perSecond: 2, burst: 3)))
        for _ in 0..<3 { _ = try await gateway.propose(Self.lookup(), by: agent) }
        let refused = await Self.refusal { _ = try await gateway.propose(Self.lookup(), by: agent) }
        #expect(refused?.kind == .tooManyRequests)
        #expect(refused?.code == .rateLimited)
        #expect(refused?.retryAfter == 1)
        #expect(refused?.message.contains("2 proposals a second (bursts of 3)") == true)
        // Another agent has its own bucket.
        _ = try await gateway.propose(Self.lookup(agent: "billing-bot"), by: .agent("billing-bot"))
        // Half a second later there is one token again, and only one.
        clock.advance(0.5)
        _ = try await gateway.propose(Self.lookup(), by: agent)
        #expect(await Self.refusal { _ = try await gateway.propose(Self.lookup(), by: agent) }?.code == .rateLimited)
        // Refused proposals stored nothing: 3 + 1 + 1 proposals, each with its audit entry.
        #expect(try await gateway.store.auditEntries(after: 0, limit: 100).count == 5)
    }

    @Test(arguments: StoreKind.allCases)
    func aRetryIsNeverRefusedAndDoesNotUseUpTheRate(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await Self.gateway(kind, clock: clock, limits: .init(maximumPending: nil, rate: .init(perSecond: 1, burst: 2)))
        let first = try await gateway.propose(Self.lookup("k-1"), by: agent)
        for _ in 0..<5 {
            let retry = try await gateway.propose(Self.lookup("k-1"), by: agent)
            #expect(!retry.created)
            #expect(retry.view.proposal.id == first.view.proposal.id)
        }
        // The retries gave their tokens back: one new proposal still fits, the next does not.
        _ = try await gateway.propose(Self.lookup("k-2"), by: agent)
        #expect(await Self.refusal { _ = try await gateway.propose(Self.lookup("k-3"), by: agent) }?.code == .rateLimited)
        // Over the rate, a retry is still answered with its original; a reused key is still a reused key.
        #expect(try await gateway.propose(Self.lookup("k-2"), by: agent).created == false)
        var other = Self.lookup("k-1")
        other.action = "Something else"
        #expect(await Self.refusal { _ = try await gateway.propose(other, by: agent) }?.code == .idempotencyKeyReused)
    }

    @Test(arguments: StoreKind.allCases)
    func anAgentAtItsPendingQuotaIsRefusedUntilOneIsDecided(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await Self.gateway(kind, clock: clock, limits: .init(maximumPending: 3, rate: nil))
        var approvals: [String] = []
        for index in 0..<3 {
            let held = try await gateway.propose(heldRefund("r-\(index)", subject: "c-\(index)", timeout: 600), by: agent)
            approvals.append(try #require(held.view.approval?.id))
            clock.advance(10)
        }
        let refused = await Self.refusal { _ = try await gateway.propose(heldRefund("r-3", subject: "c-3"), by: agent) }
        #expect(refused?.kind == .tooManyRequests)
        #expect(refused?.code == .tooManyPending)
        // Room is made at the latest when the earliest pending approval expires: 600 s after it, 30 s ago.
        #expect(refused?.retryAfter == 570)
        // Even a proposal no human would see waits: the quota is the agent's, not the level's.
        #expect(await Self.refusal { _ = try await gateway.propose(Self.lookup(), by: agent) }?.code == .tooManyPending)
        // A retry of one already stored is answered; other agents are not held up.
        #expect(try await gateway.propose(heldRefund("r-1", subject: "c-1", timeout: 600), by: agent).created == false)
        var other = heldRefund("b-1", subject: "b-1")
        other.agent = "billing-bot"
        #expect(try await gateway.propose(other, by: .agent("billing-bot")).created)
        // A decision makes room for exactly one.
        _ = try await gateway.decide(approvalID: approvals[0], .reject, comment: nil, by: alice)
        #expect(try await gateway.propose(heldRefund("r-3", subject: "c-3"), by: agent).created)
        #expect(await Self.refusal { _ = try await gateway.propose(heldRefund("r-4", subject: "c-4"), by: agent) }?.code == .tooManyPending)
        #expect(try await gateway.store.pendingLoad(agent: "support-bot").count == 3)
    }
}
