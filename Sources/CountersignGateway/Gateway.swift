import CountersignCore
import CountersignStore
import Foundation
import Logging
import ServiceLifecycle

/// The application layer: one method per use case. Each loads what it needs from the store, asks
/// the pure core what should happen, commits the result in one transaction (state, audit entry),
/// and only then wakes waiters. The HTTP API, the console, channels and the deadline timer are
/// adapters that authenticate, translate and call these methods.
public final class Gateway: Sendable {
    public struct Configuration: Sendable {
        public var policy: Policy
        /// The longest a long poll may wait.
        public var maximumWait: Duration
        /// Agents that receive signed webhooks when their approvals end, by agent name.
        public var webhooks: [String: WebhookTarget]
        /// Who is notified of a held proposal, on which channels, and who next (chains).
        public var router: NotificationRouter

        public init(
            policy: Policy, maximumWait: Duration = .seconds(300), webhooks: [String: WebhookTarget] = [:],
            router: NotificationRouter = NotificationRouter()
        ) {
            self.policy = policy
            self.maximumWait = maximumWait
            self.webhooks = webhooks
            self.router = router
        }
    }

    public let store: any GatewayStore
    public let engine: DecisionEngine
    public let waiters: ApprovalWaiters
    public let deadlines: WakeSignal
    /// Queue changes as they commit, for live views (the console).
    public let events: ApprovalEvents
    /// Wakes the outbox dispatcher when a message is committed.
    public let outboxSignal: WakeSignal
    let configuration: Configuration
    let metrics: GatewayMetrics
    let logger: Logger
    let now: @Sendable () -> Date
    /// Each agent's pending quota and proposal rate, on this gateway's clock.
    public let admission: ProposalAdmission

    public init(
        store: any GatewayStore, configuration: Configuration, metrics: GatewayMetrics? = nil, logger: Logger = Logger(label: "countersign"),
        now: @escaping @Sendable () -> Date = { Date() }, admission: ProposalAdmission = ProposalAdmission()
    ) {
        self.admission = admission
        self.store = store
        self.configuration = configuration
        self.engine = DecisionEngine(policy: configuration.policy)
        self.waiters = ApprovalWaiters()
        self.deadlines = WakeSignal()
        self.events = ApprovalEvents()
        self.outboxSignal = WakeSignal()
        self.metrics = metrics ?? .discarding(policy: configuration.policy)
        self.logger = logger
        self.now = now
    }

    public var policy: Policy { configuration.policy }

    // MARK: Propose

    /// The result of a proposal: the stored proposal (with its approval when held) and whether it
    /// is new or the one an earlier request with the same idempotency key created.
    public struct Proposed: Sendable {
        public var view: ProposalView
        public var created: Bool
    }

    /// Decides a proposal and stores it, with its approval when the level holds it for a human.
    public func propose(_ proposal: Proposal, by principal: Principal) async throws -> Proposed {
        guard case .agent(let agent) = principal else {
            throw GatewayError(.forbidden, code: .agentsOnly, "only agents propose actions")
        }
        guard proposal.agent == agent else {
            throw GatewayError(.forbidden, code: .agentMismatch, "this key belongs to agent \(agent), not \(proposal.agent)")
        }
        do {
            try engine.validate(proposal)
        } catch {
            throw GatewayError.proposal(error)
        }
        let rules = policy.approvals
        if let timeout = proposal.timeoutSeconds, timeout > rules.maxTimeout {
            throw GatewayError(
                .invalid, code: .invalidProposal, "timeout must be at most \(DurationText.format(rules.maxTimeout)) (approvals.max_timeout)")
        }
        if let callback = proposal.callbackURL {
            guard let target = configuration.webhooks[agent] else {
                throw GatewayError(
                    .invalid, code: .invalidProposal, "callback_url needs a webhook signing secret configured for agent \(agent)")
            }
            guard target.allows(url: callback) else {
                throw GatewayError(
                    .invalid, code: .invalidProposal, "callback_url's host and port are not among agent \(agent)'s allowed callback hosts")
            }
        }
        let now = now()
        if let replay = try await admit(proposal, agent: agent, at: now) { return replay }
        let engine = engine
        let policy = policy
        let router = configuration.router
        let queued = OutboxQueued()
        // Everything that needs no history happens here, outside the store's serial write.
        let assessment = engine.assess(proposal, now: now)
        let proposalID = Identifier.make()
        let result = try await store.propose(agent: agent, idempotencyKey: proposal.idempotencyKey, history: assessment.historyQuery) { history in
            let verdict = engine.decide(proposal, assessment, history: history)
            let record = ProposalRecord(id: proposalID, proposal: proposal, verdict: verdict, createdAt: now)
            var approval: ApprovalRecord?
            if verdict.level.holdsForHuman {
                approval = ApprovalRecord(
                    id: Identifier.make(), proposalID: record.id, status: .pending,
                    deadline: now.addingTimeInterval(proposal.timeoutSeconds ?? rules.timeout), fallback: proposal.fallback ?? rules.fallback,
                    createdAt: now,
                    requiredApprovals: policy.amounts.requiredApprovals(
                        amount: proposal.amount, currency: proposal.currency, policyCurrency: policy.currency))
            }
            // The first step's cards commit with the proposal: a crash never loses a notification.
            // So does the reminder's timer (`approvals.remind_before`).
            let outbox = queued.note(
                approval.map { approval in
                    ChannelMessages.step(0, of: router.plan(for: record), approvalID: approval.id, at: now)
                        + ChannelMessages.reminderTimer(
                            approvalID: approval.id, deadline: approval.deadline, remindBefore: rules.remindBefore, at: now)
                } ?? [])
            return PreparedProposal(proposal: record, approval: approval, audit: [AuditEvents.proposal(record, approval)], outbox: outbox)
        }
        switch result {
        case .existing(let view):
            // A retry is not a new proposal: it gives back the token it took.
            admission.giveBack(agent: agent, at: now)
            return try Self.replay(view, of: proposal)
        case .created(let view):
            metrics.proposed(operation: proposal.operation, level: view.proposal.verdict.level)
            if view.proposal.verdict.level == .notify {
                // Never pushed one by one: the approvers' periodic digest lists it.
                logger.info(
                    "proposal executes with notice; it goes to the digest",
                    metadata: ["proposal.id": "\(view.proposal.id)", "agent": "\(agent)", "operation": "\(proposal.operation)"])
            }
            if let approval = view.approval {
                deadlines.schedule(approval.deadline)
                if queued.value { outboxSignal.schedule(now) }
                events.publish(.changed(ApprovalView(approval: approval, proposal: view.proposal)))
                logger.info(
                    "proposal held for a human",
                    metadata: [
                        "proposal.id": "\(view.proposal.id)", "approval.id": "\(approval.id)", "agent": "\(agent)",
                        "level": "\(view.proposal.verdict.level.rawValue)",
                    ])
            }
            return Proposed(view: view, created: true)
        }
    }

    /// An idempotent retry answers with the original proposal, unchanged; a key reused for
    /// something else is a client bug.
    static func replay(_ view: ProposalView, of proposal: Proposal) throws -> Proposed {
        guard Self.sameRequest(view.proposal.proposal, proposal) else {
            throw GatewayError(
                .invalid, code: .idempotencyKeyReused,
                "idempotency_key \(proposal.idempotencyKey ?? "") was already used by this agent for a different proposal")
        }
        return Proposed(view: view, created: false)
    }

    // MARK: Decide

    /// A human answers a held proposal. Exactly one decision wins; a second one, one after the
    /// deadline, or one the approver may not make is refused and changes nothing.
    public func decide(approvalID: String, _ decision: HumanDecision, comment: String?, by principal: Principal) async throws -> ApprovalView {
        guard case .approver(let name, let rights) = principal else {
            throw GatewayError(.forbidden, code: .approversOnly, "an agent key can never decide an approval")
        }
        let comment = try ApproverComment.validated(comment, code: .invalidDecision)
        let now = now()
        let webhooks = configuration.webhooks
        let router = configuration.router
        let policy = configuration.policy
        let queued = OutboxQueued()
        let result = try await store.transition(approvalID: approvalID) { view in
            var machine = view.approval.stateMachine
            var refusal = rights.refusal(riskClass: view.proposal.verdict.riskClass, proposal: view.proposal.proposal)
            if view.proposal.proposal.agent == name { refusal = "may not decide an action they proposed" }
            let offered = policy.decisions(for: view.proposal.proposal.operation)
            switch machine.decide(decision, by: name, at: now, refusal: refusal, offered: offered) {
            case .refuse(let why): return .refuse(why)
            case .recordFirstApproval:
                return .recordFirstApproval(
                    by: name, at: now, audit: AuditEvents.decision(view, decision: decision, status: .pending, by: name, at: now, comment: comment))
            case .resolve(let status):
                return .resolve(
                    status: status, by: name, at: now, comment: comment,
                    audit: AuditEvents.decision(view, decision: decision, status: status, by: name, at: now, comment: comment),
                    outbox: queued.note(
                        Webhooks.messages(for: view, status: status, by: name, at: now, comment: comment, targets: webhooks)
                            + ChannelMessages.decided(router, approvalID: view.approval.id, at: now)))
            }
        }
        switch result {
        case .notFound:
            throw GatewayError(.notFound, code: .notFound, "no approval \(approvalID)")
        case .resolved(let view):
            resolved(view, queuedOutbox: queued.value)
            return view
        case .firstApprovalRecorded(let view):
            events.publish(.changed(view))
            logger.info("first of two approvals recorded", metadata: ["approval.id": "\(approvalID)", "approver": "\(name)"])
            return view
        case .refused(let refusal, let view):
            if case .pastDeadline = refusal { _ = try? await expire(approvalID: approvalID) }
            throw Self.error(refusal, view)
        }
    }

    // MARK: Expire

    /// Ends an approval whose deadline has passed with its fallback; does nothing otherwise.
    @discardableResult
    public func expire(approvalID: String) async throws -> ApprovalView? {
        let queued = OutboxQueued()
        let result = try await store.transition(approvalID: approvalID, expiry(at: now(), queued: queued))
        guard case .resolved(let view) = result else { return nil }
        expired(view, queuedOutbox: queued.value)
        return view
    }

    /// Expires every approval that is due, a batch per transaction; returns how many expired.
    @discardableResult
    public func expireDue(batch: Int = 100) async throws -> Int {
        var count = 0
        while true {
            let now = now()
            let queued = OutboxQueued()
            let results = try await store.transitionDue(at: now, limit: batch, expiry(at: now, queued: queued))
            var resolved = 0
            for case .resolved(let view) in results {
                expired(view, queuedOutbox: false)
                resolved += 1
            }
            if queued.value { outboxSignal.schedule(now) }
            count += resolved
            if results.count < batch || resolved == 0 { return count }
        }
    }

    /// The transition that ends an approval with its fallback when its deadline is at or before `now`.
    private func expiry(at now: Date, queued: OutboxQueued) -> @Sendable (ApprovalView) -> Transition {
        let webhooks = configuration.webhooks
        let router = configuration.router
        return { view in
            var machine = view.approval.stateMachine
            switch machine.expire(at: now) {
            case .refuse(let why): return .refuse(why)
            case .recordFirstApproval: return .refuse(.notPending(view.approval.status))
            case .resolve(let status):
                return .resolve(
                    status: status, by: "system", at: now, comment: nil, audit: AuditEvents.expiry(view, at: now),
                    outbox: queued.noteAny(
                        Webhooks.messages(for: view, status: status, by: "system", at: now, comment: nil, targets: webhooks)
                            + ChannelMessages.decided(router, approvalID: view.approval.id, at: now)))
            }
        }
    }

    private func expired(_ view: ApprovalView, queuedOutbox: Bool) {
        resolved(view, queuedOutbox: queuedOutbox)
        logger.info("approval expired; fallback applies", metadata: ["approval.id": "\(view.approval.id)"])
    }

    // MARK: Wait

    /// The approval now, or, when it is pending and `timeout` is positive, as soon as it is
    /// decided or expires (woken on commit), or when `timeout` passes.
    public func wait(approvalID: String, timeout: Duration, by principal: Principal) async throws -> ApprovalView {
        let timeout = min(timeout, configuration.maximumWait)
        let slot = timeout > .zero ? waiters.register(approvalID) : nil
        defer {
            if let slot {
                waiters.unregister(approvalID, slot)
                metrics.waiting(waiters.count)
            }
        }
        guard let view = try await store.approval(id: approvalID) else {
            throw GatewayError(.notFound, code: .notFound, "no approval \(approvalID)")
        }
        try authorize(view, principal)
        guard view.approval.status == .pending, let slot else { return view }
        metrics.waiting(waiters.count)
        // A server shutting down answers its long polls with the current state at once.
        return await withGracefulShutdownHandler {
            await slot.value(timeout: timeout)
        } onGracefulShutdown: {
            slot.fill(nil)
        } ?? view
    }

    /// One proposal with its approval.
    public func proposal(id: String, by principal: Principal) async throws -> ProposalView {
        guard let view = try await store.proposal(id: id) else { throw GatewayError(.notFound, code: .notFound, "no proposal \(id)") }
        if case .agent(let name) = principal, view.proposal.proposal.agent != name {
            throw GatewayError(.notFound, code: .notFound, "no proposal \(id)")
        }
        return view
    }

    /// The queue: approvals newest first, optionally of one status.
    public func approvals(
        status: ApprovalStatus?, after cursor: ApprovalCursor?, limit: Int, by principal: Principal
    ) async throws
        -> [ApprovalView]
    {
        try await approvals(statuses: status.map { [$0] }, after: cursor, limit: limit, by: principal)
    }

    /// Approvals newest first, optionally only those in `statuses` (the console's history: every end status).
    public func approvals(
        statuses: Set<ApprovalStatus>?, after cursor: ApprovalCursor?, limit: Int, by principal: Principal
    ) async throws
        -> [ApprovalView]
    {
        guard case .approver = principal else { throw GatewayError(.forbidden, code: .approversOnly, "only approvers see the queue") }
        return try await approvals(matching: ApprovalFilter(statuses: statuses), after: cursor, limit: limit, by: principal)
    }

    // MARK: Outcomes

    /// Records what happened after execution, once per proposal.
    public func recordOutcome(proposalID: String, _ outcome: Outcome, detail: String?, by principal: Principal) async throws -> ProposalView {
        guard let view = try await store.proposal(id: proposalID) else {
            throw GatewayError(.notFound, code: .notFound, "no proposal \(proposalID)")
        }
        if case .agent(let name) = principal, view.proposal.proposal.agent != name {
            throw GatewayError(.notFound, code: .notFound, "no proposal \(proposalID)")
        }
        let record = OutcomeRecord(outcome: outcome, detail: detail, reportedBy: principal.name, at: now())
        switch try await store.recordOutcome(proposalID: proposalID, record) {
        case .recorded(let view): return view
        case .alreadyRecorded(let view):
            throw GatewayError(
                .conflict, code: .outcomeRecorded, "an outcome (\(view.proposal.outcome?.outcome.rawValue ?? "")) is already recorded")
        case .notFound: throw GatewayError(.notFound, code: .notFound, "no proposal \(proposalID)")
        }
    }

    // MARK: Consume

    /// The agent that proposed an approved action uses it, once: the approval must be approved,
    /// not yet consumed, and `binding` must equal the proposal's `context.binding` (both absent
    /// counts as equal), so an edited call cannot ride on another call's approval. Of concurrent
    /// consumers exactly one succeeds; the commit carries a `consumed` audit entry.
    public func consume(approvalID: String, binding: String?, by principal: Principal) async throws -> ApprovalView {
        guard case .agent(let name) = principal else {
            throw GatewayError(.forbidden, code: .agentsOnly, "only the agent that proposed an action consumes its approval")
        }
        guard let view = try await store.approval(id: approvalID) else {
            throw GatewayError(.notFound, code: .notFound, "no approval \(approvalID)")
        }
        try authorize(view, principal)
        // The proposal never changes once stored, so this check outside the transaction is safe.
        guard view.proposal.proposal.binding == binding else {
            throw GatewayError(
                .invalid, code: .bindingMismatch,
                "the call's binding is not the one the approval was given for; an edited call needs its own approval")
        }
        let at = now()
        switch try await store.consume(approvalID: approvalID, by: name, at: at, audit: AuditEvents.consumption(view, by: name, at: at)) {
        case .consumed(let view):
            logger.info("approval consumed", metadata: ["approval.id": "\(approvalID)", "agent": "\(name)"])
            return view
        case .alreadyConsumed(let view):
            let when = view.approval.consumedAt.map { " at \(Timestamp.format($0))" } ?? ""
            throw GatewayError(.conflict, code: .alreadyConsumed, "the approval was already used\(when)")
        case .notApproved(let view):
            throw GatewayError(.conflict, code: .notApproved, "the approval is \(view.approval.status.rawValue), not approved")
        case .notFound:
            throw GatewayError(.notFound, code: .notFound, "no approval \(approvalID)")
        }
    }

    // MARK: Outbox

    /// Outbox messages of one status, for operators (approvers).
    public func outbox(status: OutboxMessage.Status, by principal: Principal) async throws -> [OutboxMessage] {
        guard case .approver = principal else { throw GatewayError(.forbidden, code: .approversOnly, "only approvers see the outbox") }
        return try await store.outbox(status: status, limit: 200)
    }

    /// Puts a dead message back in the queue and wakes the dispatcher.
    public func retryOutbox(id: String, by principal: Principal) async throws {
        guard case .approver = principal else { throw GatewayError(.forbidden, code: .approversOnly, "only approvers retry messages") }
        guard try await store.retryOutbox(id: id, at: now()) else {
            throw GatewayError(.conflict, code: .notDead, "outbox message \(id) is not dead (or does not exist)")
        }
        outboxSignal.schedule(now())
    }

    // MARK: Helpers

    /// Whether a retry carries the same proposal (`at` aside, which the server ignores).
    static func sameRequest(_ stored: Proposal, _ retry: Proposal) -> Bool {
        var stored = stored
        var retry = retry
        stored.at = nil
        retry.at = nil
        return stored == retry
    }

    private func resolved(_ view: ApprovalView, queuedOutbox: Bool) {
        waiters.resolve(view)
        events.publish(.changed(view))
        if queuedOutbox { outboxSignal.schedule(now()) }
        let waited = (view.approval.decidedAt ?? now()).timeIntervalSince(view.approval.createdAt)
        if view.approval.status == .expired { metrics.expired(waited: waited) } else { metrics.decided(view.approval.status, waited: waited) }
    }

    /// Agents see only their own approvals; approvers see all.
    private func authorize(_ view: ApprovalView, _ principal: Principal) throws {
        if case .agent(let name) = principal, view.proposal.proposal.agent != name {
            throw GatewayError(.notFound, code: .notFound, "no approval \(view.approval.id)")
        }
    }

    static func error(_ refusal: ApprovalStateMachine.Refusal, _ view: ApprovalView) -> GatewayError {
        switch refusal {
        case .notPending(let status):
            let by = view.approval.decidedBy.map { " by \($0)" } ?? ""
            return GatewayError(.conflict, code: .notPending, "the approval is no longer pending: it was \(status.rawValue)\(by)")
        case .pastDeadline(let deadline):
            return GatewayError(.conflict, code: .pastDeadline, "the deadline \(Timestamp.format(deadline)) has passed; the fallback applies")
        case .notAllowed(let why):
            return GatewayError(.forbidden, code: .notAllowed, "this approver \(why)")
        case .notDue(let deadline):
            return GatewayError(.conflict, code: .notDue, "the approval is not due until \(Timestamp.format(deadline))")
        case .sameApprover(let name):
            return GatewayError(
                .forbidden, code: .fourEyes, "\(name) gave the first approval; a second, different approver must approve")
        case .notOffered(let decision, let offered):
            return GatewayError(
                .invalid, code: .decisionNotOffered,
                "the policy offers only \(offered.map(\.rawValue).joined(separator: ", ")) for \(DisplayText.line(view.proposal.proposal.operation)), not \(decision.rawValue)"
            )
        }
    }
}
