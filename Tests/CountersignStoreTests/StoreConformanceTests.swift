import CountersignCore
import CountersignGateway
import CountersignStore
import CountersignTestSupport
import Foundation
import Testing

/// The storage protocol's promises, through the gateway, for every engine.
@Suite struct StoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func aHeldProposalIsStoredWithItsApprovalAndAuditEntry(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let result = try await gateway.propose(heldRefund("k-1"), by: agent)
        #expect(result.created)
        let approval = try #require(result.view.approval)
        #expect(approval.status == .pending)
        #expect(result.view.proposal.verdict.level == .approve)
        let stored = try #require(try await gateway.store.approval(id: approval.id))
        #expect(stored.proposal.proposal == heldRefund("k-1"))
        #expect(stored.proposal.verdict.reasons.map(\.code) == ["confidence.financial"])
        let audit = try await gateway.store.auditEntries(after: 0, limit: 10)
        #expect(audit.map(\.event.kind) == ["proposal"])
        #expect(audit.first?.event.approvalID == approval.id)
    }

    @Test(arguments: StoreKind.allCases)
    func theSameIdempotencyKeyFromTheSameAgentCreatesNothing(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let first = try await gateway.propose(heldRefund("k-1"), by: agent)
        // A retry returns the first verdict.
        let retry = try await gateway.propose(heldRefund("k-1"), by: agent)
        #expect(!retry.created)
        #expect(retry.view.proposal.id == first.view.proposal.id)
        #expect(retry.view.approval?.id == first.view.approval?.id)
        // The key reused for a different proposal is refused, not silently answered.
        let reused = await #expect(throws: GatewayError.self) { try await gateway.propose(heldRefund("k-1", amount: 9000), by: agent) }
        #expect(reused?.code.rawValue == "idempotency_key_reused")
        // Another agent's key space is its own.
        var other = heldRefund("k-1")
        other.agent = "billing-bot"
        let third = try await gateway.propose(other, by: .agent("billing-bot"))
        #expect(third.created)
        #expect(try await gateway.store.auditEntries(after: 0, limit: 10).count == 2)
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentRetriesOfOneKeyCreateOneProposal(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<20 { group.addTask { try await gateway.propose(heldRefund("same"), by: agent).view.proposal.id } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
        #expect(try await gateway.store.pendingCount() == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func exactlyOneOfManyConcurrentDecisionsWins(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let approvalID = try #require(try await gateway.propose(heldRefund(), by: agent).view.approval?.id)
        let outcomes = await withTaskGroup(of: Result<ApprovalView, any Error>.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let approver = Principal.approver("approver-\(index)", .unlimited)
                    do {
                        return .success(
                            try await gateway.decide(approvalID: approvalID, index % 2 == 0 ? .approve : .reject, comment: nil, by: approver))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.compactMap { try? $0.get() }
        #expect(winners.count == 1)
        let conflicts = outcomes.compactMap { result -> GatewayError? in
            if case .failure(let error) = result { return error as? GatewayError }
            return nil
        }
        #expect(conflicts.count == 15)
        #expect(conflicts.allSatisfy { $0.code.rawValue == "not_pending" })
        let stored = try #require(try await gateway.store.approval(id: approvalID))
        #expect(stored.approval.status == winners[0].approval.status)
        #expect(stored.approval.decidedBy == winners[0].approval.decidedBy)
        let kinds = try await gateway.store.auditEntries(after: 0, limit: 100).map(\.event.kind)
        #expect(kinds == ["proposal", "decision"])
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentWritersAllCommitAndTheChainStaysOneChain(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { _ = try await gateway.propose(heldRefund("k-\(index)", subject: "c-\(index)"), by: agent) }
            }
            try await group.waitForAll()
        }
        #expect(try await gateway.store.pendingCount() == 200)
        let report = try await AuditVerifier.verify(gateway.store, pageSize: 64)
        #expect(report.verified == 200)
        #expect(report.firstBreak == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func aFailingWriteRollsBackOnlyItselfInASharedCommit(kind: StoreKind) async throws {
        let store = try await kind.make()
        let now = Date()
        func prepared(_ id: String, confidence: Double) -> @Sendable (SubjectHistory) -> PreparedProposal {
            { _ in
                var proposal = heldRefund()
                proposal.confidence = confidence
                let verdict = Verdict(level: .auto, riskClass: "financial", reasons: [], baseLevel: .auto)
                let record = ProposalRecord(id: id, proposal: proposal, verdict: verdict, createdAt: now)
                return PreparedProposal(
                    proposal: record, approval: nil,
                    audit: [AuditEvent(kind: "proposal", at: now, proposalID: id, approvalID: nil, actor: "support-bot", data: .object([]))])
            }
        }
        // Confidence 7 breaks the schema's CHECK constraint: that write fails, the others commit.
        let results = await withTaskGroup(of: (String, Bool).self) { group in
            for index in 0..<30 {
                group.addTask {
                    let id = "p-\(index)"
                    let ok =
                        (try? await store.propose(
                            agent: "support-bot", idempotencyKey: nil, history: nil, prepare: prepared(id, confidence: index == 7 ? 7 : 0.5))) != nil
                    return (id, ok)
                }
            }
            return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(results["p-7"] == false)
        #expect(results.values.filter { $0 }.count == 29)
        #expect(try await store.proposal(id: "p-7") == nil)
        #expect(try await store.proposal(id: "p-8") != nil)
        let report = try await AuditVerifier.verify(store)
        #expect(report.verified == 29 && report.firstBreak == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func historyFeedsTheStatefulRules(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        // Two approvals for customer-1 within 24 h: the third is escalated.
        for index in 0..<2 {
            _ = try await gateway.propose(heldRefund("a-\(index)"), by: agent)
            clock.advance(60)
        }
        let third = try await gateway.propose(heldRefund("a-2"), by: agent)
        #expect(third.view.proposal.verdict.reasons.map(\.code).contains("approvals.per_subject"))
        #expect(third.view.proposal.verdict.level == .escalate)
        // A day later the window has passed.
        clock.advance(24 * 3600 + 1)
        let later = try await gateway.propose(heldRefund("a-3"), by: agent)
        #expect(later.view.proposal.verdict.level == .approve)
    }

    @Test(arguments: StoreKind.allCases)
    func twoRejectionsInARowEscalateTheNextProposal(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        var policy = Policy.default
        policy.escalation.approvalsPerSubject = nil
        for index in 0..<2 {
            let id = try #require(try await gateway.propose(heldRefund("r-\(index)", subject: "c-9"), by: agent).view.approval?.id)
            _ = try await gateway.decide(approvalID: id, .reject, comment: "no", by: alice)
        }
        let next = try await gateway.propose(heldRefund("r-2", subject: "c-9"), by: agent)
        #expect(next.view.proposal.verdict.reasons.map(\.code).contains("rejections.consecutive"))
    }

    @Test(arguments: StoreKind.allCases)
    func pagesOfApprovalsAreNewestFirstWithoutGapsOrRepeats(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        var created: [String] = []
        for index in 0..<25 {
            created.append(try #require(try await gateway.propose(heldRefund("p-\(index)", subject: "s-\(index)"), by: agent).view.approval?.id))
            if index % 3 == 0 { clock.advance(1) }
        }
        var seen: [String] = []
        var cursor: ApprovalCursor?
        repeat {
            let page = try await gateway.approvals(status: .pending, after: cursor, limit: 7, by: alice)
            seen += page.map(\.approval.id)
            cursor = page.count == 7 ? page.last.map { ApprovalCursor(createdAt: $0.approval.createdAt, id: $0.approval.id) } : nil
        } while cursor != nil
        #expect(seen.count == 25)
        #expect(Set(seen) == Set(created))
    }

    @Test(arguments: StoreKind.allCases)
    func aStatusFilterKeepsOnlyThoseStatuses(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        var ids: [String] = []
        for index in 0..<4 {
            ids.append(try #require(try await gateway.propose(heldRefund("f-\(index)", subject: "f-\(index)"), by: agent).view.approval?.id))
        }
        _ = try await gateway.decide(approvalID: ids[1], .approve, comment: nil, by: alice)
        _ = try await gateway.decide(approvalID: ids[3], .reject, comment: nil, by: alice)
        let final = Set(ApprovalStatus.allCases.filter(\.isFinal))
        let decided = try await gateway.approvals(statuses: final, after: nil, limit: 1, by: alice)
        #expect(decided.map(\.approval.id) == [ids[3]], "newest decided first, pending ones never take its place")
        let all = try await gateway.approvals(statuses: final, after: nil, limit: 10, by: alice)
        #expect(Set(all.map(\.approval.id)) == [ids[1], ids[3]])
        #expect(try await gateway.approvals(statuses: nil, after: nil, limit: 10, by: alice).count == 4)
    }

    // MARK: Consume

    @Test(arguments: StoreKind.allCases)
    func anApprovedActionIsConsumedOnceWithItsAuditEntry(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        let approvalID = try #require(try await gateway.propose(boundRefund("b-1", binding: "abc123"), by: agent).view.approval?.id)
        _ = try await gateway.decide(approvalID: approvalID, .approve, comment: nil, by: alice)
        clock.advance(5)
        let consumed = try await gateway.consume(approvalID: approvalID, binding: "abc123", by: agent)
        #expect(consumed.approval.consumedBy == "support-bot")
        #expect(consumed.approval.consumedAt == clock.now)
        let stored = try #require(try await gateway.store.approval(id: approvalID))
        #expect(stored.approval.consumedAt == clock.now)
        #expect(stored.approval.consumedBy == "support-bot")
        #expect(stored.approval.status == .approved)

        let again = await #expect(throws: GatewayError.self) { try await gateway.consume(approvalID: approvalID, binding: "abc123", by: agent) }
        #expect(again?.code.rawValue == "already_consumed")
        #expect(again?.kind == .conflict)
        let audit = try await gateway.store.auditEntries(after: 0, limit: 10)
        #expect(audit.map(\.event.kind) == ["proposal", "decision", "consumed"])
        #expect(audit.last?.event.actor == "support-bot")
        #expect(audit.last?.event.data["binding"]?.stringValue == "abc123")
        let report = try await AuditVerifier.verify(gateway.store)
        #expect(report.verified == 3)
        #expect(report.firstBreak == nil)
    }

    @Test(arguments: StoreKind.allCases, ["pending", "rejected", "taken_over", "expired", "first_of_two"])
    func onlyAnApprovedActionCanBeConsumed(kind: StoreKind, state: String) async throws {
        let clock = TestClock()
        var policy = Policy.default
        if state == "first_of_two" { policy.amounts.dualApprovalOver = 100 }
        let gateway = try await makeGateway(kind, policy: policy, clock: clock)
        let approvalID = try #require(try await gateway.propose(boundRefund("s-1", binding: "abc123"), by: agent).view.approval?.id)
        switch state {
        case "rejected": _ = try await gateway.decide(approvalID: approvalID, .reject, comment: nil, by: alice)
        case "taken_over": _ = try await gateway.decide(approvalID: approvalID, .takeOver, comment: nil, by: alice)
        case "expired":
            clock.advance(3600 * 48)
            try await gateway.expireDue()
        case "first_of_two": _ = try await gateway.decide(approvalID: approvalID, .approve, comment: nil, by: alice)
        default: break
        }
        let refused = await #expect(throws: GatewayError.self) { try await gateway.consume(approvalID: approvalID, binding: "abc123", by: agent) }
        #expect(refused?.code.rawValue == "not_approved")
        let stored = try #require(try await gateway.store.approval(id: approvalID))
        #expect(stored.approval.consumedAt == nil)
        #expect(try await gateway.store.auditEntries(after: 0, limit: 10).map(\.event.kind).contains("consumed") == false)
    }

    /// Who and what may consume, as a table: (who, binding sent, expected error code or nil).
    static let consumers: [(String, String?, String?)] = [
        ("support-bot", "abc123", nil),
        ("support-bot", "abc124", "binding_mismatch"),
        ("support-bot", nil, "binding_mismatch"),
        ("billing-bot", "abc123", "not_found"),
        ("alice", "abc123", "agents_only"),
    ]

    @Test(arguments: StoreKind.allCases, consumers.indices)
    func onlyTheProposingAgentWithTheSameBindingConsumes(kind: StoreKind, row: Int) async throws {
        let (who, binding, code) = Self.consumers[row]
        let gateway = try await makeGateway(kind)
        let approvalID = try #require(try await gateway.propose(boundRefund("w-1", binding: "abc123"), by: agent).view.approval?.id)
        _ = try await gateway.decide(approvalID: approvalID, .approve, comment: nil, by: alice)
        let principal: Principal = who == "alice" ? alice : .agent(who)
        if let code {
            let refused = await #expect(throws: GatewayError.self) {
                try await gateway.consume(approvalID: approvalID, binding: binding, by: principal)
            }
            #expect(refused?.code.rawValue == code)
            #expect(try await gateway.store.approval(id: approvalID)?.approval.consumedAt == nil)
        } else {
            #expect(try await gateway.consume(approvalID: approvalID, binding: binding, by: principal).approval.consumedBy == who)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aProposalWithoutABindingIsConsumedWithoutOne(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let approvalID = try #require(try await gateway.propose(heldRefund("n-1"), by: agent).view.approval?.id)
        _ = try await gateway.decide(approvalID: approvalID, .approve, comment: nil, by: alice)
        let mismatch = await #expect(throws: GatewayError.self) { try await gateway.consume(approvalID: approvalID, binding: "abc123", by: agent) }
        #expect(mismatch?.code.rawValue == "binding_mismatch")
        #expect(try await gateway.consume(approvalID: approvalID, binding: nil, by: agent).approval.consumedAt != nil)
        let missing = await #expect(throws: GatewayError.self) { try await gateway.consume(approvalID: "nope", binding: nil, by: agent) }
        #expect(missing?.code.rawValue == "not_found")
    }

    @Test(arguments: StoreKind.allCases)
    func exactlyOneOfManyConcurrentConsumersWins(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let approvalID = try #require(try await gateway.propose(boundRefund("c-1", binding: "abc123"), by: agent).view.approval?.id)
        _ = try await gateway.decide(approvalID: approvalID, .approve, comment: nil, by: alice)
        let codes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    do {
                        _ = try await gateway.consume(approvalID: approvalID, binding: "abc123", by: agent)
                        return "consumed"
                    } catch let error as GatewayError {
                        return error.code.rawValue
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
        #expect(codes == ["consumed": 1, "already_consumed": 23])
        let audit = try await gateway.store.auditEntries(after: 0, limit: 100)
        #expect(audit.filter { $0.event.kind == "consumed" }.count == 1)
    }
}

/// A held refund whose approval is bound to `binding` (its `context.binding`).
private func boundRefund(_ key: String, binding: String) -> Proposal {
    var proposal = heldRefund(key)
    proposal.context = .object([JSONMember("binding", .string(binding)), JSONMember("note", .string("bound"))])
    return proposal
}

/// Shadow mode's stored level and the production rows the report and the dashboard read.
extension StoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func aShadowVerdictKeepsThePolicysLevel(kind: StoreKind) async throws {
        var policy = Policy.default
        policy.shadow = ShadowMode(operations: ["refund"])
        let gateway = try await makeGateway(kind, policy: policy)
        var sure = heldRefund("s-1")
        sure.confidence = 0.995
        let held = try await gateway.propose(sure, by: agent).view
        #expect(held.proposal.verdict.level == .approve)
        #expect(held.proposal.verdict.policyLevel == .auto)
        let stored = try #require(try await gateway.store.proposal(id: held.proposal.id))
        #expect(stored.proposal.verdict.policyLevel == .auto)
        #expect(stored.proposal.verdict.reasons.map(\.code) == ["shadow_mode"])
        let approvalID = try #require(held.approval?.id)
        let approval = try #require(try await gateway.store.approval(id: approvalID))
        #expect(approval.proposal.verdict.policyLevel == .auto)
        let audit = try await gateway.store.auditEntries(after: 0, limit: 10)
        #expect(audit.first?.event.data["policy_level"]?.stringValue == "auto")
        // A live operation stores no policy level.
        let live = try await gateway.propose(
            Proposal(agent: "support-bot", operation: "lookup_order", confidence: 0.99, action: "Look up"), by: agent)
        #expect(try await gateway.store.proposal(id: live.view.proposal.id)?.proposal.verdict.policyLevel == nil)
    }

    @Test(arguments: StoreKind.allCases)
    func productionRowsAreTheWindowsProposalsOldestFirst(kind: StoreKind) async throws {
        let clock = TestClock()
        var policy = Policy.default
        policy.shadow = ShadowMode(operations: ["refund"])
        let gateway = try await makeGateway(kind, policy: policy, clock: clock)
        _ = try await gateway.propose(Proposal(agent: "support-bot", operation: "lookup_order", confidence: 0.99, action: "Before"), by: agent)
        clock.advance(3600)
        let since = clock.now
        let lookup = try await gateway.propose(
            Proposal(agent: "support-bot", operation: "lookup_order", confidence: 0.97, action: "Look up"), by: agent)
        _ = try await gateway.recordOutcome(proposalID: lookup.view.proposal.id, .erroneous, detail: nil, by: agent)
        clock.advance(10)
        var sure = heldRefund("r-1", subject: "c-1")
        sure.confidence = 0.995
        let shadowed = try await gateway.propose(sure, by: agent).view
        clock.advance(10)
        let plain = try await gateway.propose(heldRefund("r-2", amount: 45.5, subject: "c-2"), by: agent).view
        clock.advance(30)
        let shadowedID = try #require(shadowed.approval?.id)
        _ = try await gateway.decide(approvalID: shadowedID, .reject, comment: nil, by: alice)

        let rows = try await gateway.store.productionRows(since: since, limit: 100)
        #expect(rows.map(\.operation) == ["lookup_order", "refund", "refund"])
        #expect(rows.map(\.confidence) == [0.97, 0.995, 0.9])
        #expect(rows.map(\.level) == [.auto, .approve, .approve])
        #expect(rows.map(\.policyLevel) == [nil, .auto, .approve])
        #expect(rows.map(\.approvalStatus) == [nil, .rejected, .pending])
        #expect(rows[0].outcome == .erroneous)
        #expect(rows[1].decidedBy == "alice")
        #expect(rows[1].decidedAt.map { $0.timeIntervalSince(rows[1].createdAt) } == 40)
        #expect(rows[2].amount == Decimal(string: "45.5"))
        #expect(rows[2].decidedAt == nil)
        #expect(rows.map(\.createdAt) == rows.map(\.createdAt).sorted())
        #expect(plain.proposal.verdict.policyLevel == .approve)
        // The limit keeps the oldest.
        #expect(try await gateway.store.productionRows(since: since, limit: 2).map(\.confidence) == [0.97, 0.995])
        #expect(try await gateway.store.productionRows(since: clock.now.addingTimeInterval(1), limit: 100).isEmpty)
    }
}

/// Posted channel cards and idempotent queuing (escalation steps).
@Suite struct ChannelStoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func channelPostsAreKeptPerApprovalApproverAndChannel(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let approvalID = try #require(try await gateway.propose(heldRefund(), by: agent).view.approval?.id)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await gateway.store.channelPosts(approvalID: approvalID).isEmpty)
        let alicePost = ChannelPost(approvalID: approvalID, approver: "alice", channel: "slack", conversation: "D1", messageID: "1.1", postedAt: at)
        let bobPost = ChannelPost(
            approvalID: approvalID, approver: "bob", channel: "slack", conversation: "D2", messageID: "1.2", postedAt: at.addingTimeInterval(1))
        try await gateway.store.saveChannelPost(bobPost)
        try await gateway.store.saveChannelPost(alicePost)
        #expect(try await gateway.store.channelPosts(approvalID: approvalID) == [alicePost, bobPost])
        // Saving the same approval, approver and channel again replaces the post.
        var moved = alicePost
        moved.messageID = "1.3"
        try await gateway.store.saveChannelPost(moved)
        #expect(try await gateway.store.channelPosts(approvalID: approvalID) == [moved, bobPost])
        #expect(try await gateway.store.channelPosts(approvalID: "other").isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func enqueuingTheSameMessageTwiceQueuesItOnce(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let message = OutboxMessage(
            id: "step_a_1", kind: "escalation", destination: "a", owner: "system", payload: #"{"approval_id":"a","event":"step","step":1}"#,
            nextAttemptAt: at, createdAt: at)
        var changed = message
        changed.payload = "{}"
        try await gateway.store.enqueueOutbox([message])
        try await gateway.store.enqueueOutbox([changed, message])
        let pending = try await gateway.store.outbox(status: .pending, limit: 10)
        #expect(pending == [message])
        try await gateway.store.enqueueOutbox([])
        #expect(try await gateway.store.nextOutboxAttempt() == at)
    }
}

/// The queries behind push caps and digests.
@Suite struct FatigueStoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func postsAreCountedPerApproverChannelAndTime(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        for (index, approver) in ["alice", "alice", "alice", "bob"].enumerated() {
            let approvalID = try #require(try await gateway.propose(heldRefund("k-\(index)"), by: agent).view.approval?.id)
            try await gateway.store.saveChannelPost(
                ChannelPost(
                    approvalID: approvalID, approver: approver, channel: "slack", conversation: "D1", messageID: "1.\(index)",
                    postedAt: at.addingTimeInterval(Double(index) * 60)))
        }
        #expect(try await gateway.store.channelPostCount(approver: "alice", channel: "slack", since: at) == 3)
        #expect(try await gateway.store.channelPostCount(approver: "alice", channel: "slack", since: at.addingTimeInterval(60)) == 2)
        #expect(try await gateway.store.channelPostCount(approver: "alice", channel: "email", since: at) == 0)
        #expect(try await gateway.store.channelPostCount(approver: "bob", channel: "slack", since: at) == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func proposalsOfALevelAreFoundByTimeWindow(kind: StoreKind) async throws {
        let clock = TestClock()
        let gateway = try await makeGateway(kind, clock: clock)
        let start = clock.now
        var notified: [String] = []
        for index in 0..<3 {
            // 0.96 is between financial's notify (0.95) and auto (0.99) thresholds.
            var proposal = heldRefund("n-\(index)")
            proposal.confidence = 0.96
            let view = try await gateway.propose(proposal, by: agent).view
            #expect(view.proposal.verdict.level == .notify)
            notified.append(view.proposal.id)
            _ = try await gateway.propose(heldRefund("h-\(index)", subject: "s-\(index)"), by: agent)
            clock.advance(60)
        }
        let all = try await gateway.store.proposals(level: .notify, from: start, to: clock.now, limit: 10)
        #expect(all.map(\.id) == notified)
        #expect(
            try await gateway.store.proposals(level: .notify, from: start.addingTimeInterval(60), to: start.addingTimeInterval(120), limit: 10).map(
                \.id) == [notified[1]])
        #expect(try await gateway.store.proposals(level: .notify, from: start, to: clock.now, limit: 2).count == 2)
        #expect(try await gateway.store.proposals(level: .approve, from: start, to: clock.now, limit: 10).count == 3)
    }
}

/// Recording on a pending approval (reassignment): all or nothing, and only while pending.
@Suite struct ReassignStoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func recordOnPendingAppendsAuditAndQueuesOnlyWhilePending(kind: StoreKind) async throws {
        let gateway = try await makeGateway(kind)
        let view = try await gateway.propose(heldRefund(), by: agent).view
        let approvalID = try #require(view.approval?.id)
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let audit = AuditEvent(kind: "reassign", at: at, proposalID: view.proposal.id, approvalID: approvalID, actor: "alice", data: .object([]))
        let message = OutboxMessage(
            id: "card_r1", kind: "slack", destination: "bob", owner: "bob", payload: "{}", nextAttemptAt: at, createdAt: at)
        #expect(try await gateway.store.recordOnPending(approvalID: approvalID, audit: audit, outbox: [message]))
        #expect(try await gateway.store.auditEntries(after: 0, limit: 10).map(\.event.kind) == ["proposal", "reassign"])
        #expect(try await gateway.store.outbox(status: .pending, limit: 10).map(\.id) == ["card_r1"])
        _ = try await gateway.decide(approvalID: approvalID, .approve, comment: nil, by: alice)
        var second = message
        second.id = "card_r2"
        #expect(try await !gateway.store.recordOnPending(approvalID: approvalID, audit: audit, outbox: [second]))
        #expect(try await !gateway.store.recordOnPending(approvalID: "nope", audit: audit, outbox: [second]))
        #expect(try await gateway.store.auditEntries(after: 0, limit: 10).map(\.event.kind) == ["proposal", "reassign", "decision"])
        #expect(try await !gateway.store.outbox(status: .pending, limit: 10).map(\.id).contains("card_r2"))
        // The chain still verifies with the new entry kind in it.
        let report = try await AuditVerifier.verify(gateway.store)
        #expect(report.firstBreak == nil && report.verified == 3)
    }
}
