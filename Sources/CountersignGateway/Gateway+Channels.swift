import CountersignCore
import CountersignStore
import Foundation

/// The doors channels use besides `decide`: the current state of an approval to render a card
/// from, the cards they posted, and the next step of a chain.
extension Gateway {
    /// The approval as it is now (channels render from the current state at delivery time).
    public func currentApproval(id: String) async throws -> ApprovalView? {
        try await store.approval(id: id)
    }

    /// Remembers a posted card so it can be updated once the approval is decided.
    public func recordChannelPost(_ post: ChannelPost) async throws {
        try await store.saveChannelPost(post)
    }

    /// The cards posted for an approval.
    public func channelPosts(approvalID: String) async throws -> [ChannelPost] {
        try await store.channelPosts(approvalID: approvalID)
    }

    /// Who is notified of what (routing, recipients, caps, digests).
    public var notificationRouter: NotificationRouter { configuration.router }

    /// Queues channel messages outside a state change (digests, summaries); idempotent by id.
    public func queueChannelMessages(_ messages: [OutboxMessage]) async throws {
        try await store.enqueueOutbox(messages)
        outboxSignal.schedule(now())
    }

    /// How many cards `approver` got on `channel` in the last hour (for `routing.caps`).
    public func pushesInLastHour(approver: String, channel: ChannelKind) async throws -> Int {
        try await store.channelPostCount(approver: approver, channel: channel.rawValue, since: now().addingTimeInterval(-3600))
    }

    /// The `notify`-level proposals received in `[from, to)` that `approver` may decide (their digest).
    public func digest(for approver: String, from: Date, to: Date) async throws -> [ProposalRecord] {
        guard let recipient = configuration.router.recipients.first(where: { $0.name == approver }) else { return [] }
        return try await store.proposals(level: .notify, from: from, to: to, limit: 500).filter {
            $0.proposal.agent != approver && recipient.rights.refusal(riskClass: $0.verdict.riskClass, proposal: $0.proposal) == nil
        }
    }

    /// Pending approvals routed to `approver` on `channel` that have no card there yet (what a
    /// push cap held back), earliest deadline first.
    public func unpostedApprovals(for approver: String, channel: ChannelKind) async throws -> [ApprovalView] {
        let router = configuration.router
        var found: [ApprovalView] = []
        // The whole pending queue, a page at a time: one agent's flood must not hide the rest.
        var cursor: DeadlineCursor?
        while true {
            let page = try await store.pendingQueue(matching: .all, after: cursor, limit: Self.maximumPage)
            for view in page {
                let routed = router.plan(for: view.proposal).contains { $0.pushes.contains(.init(approver: approver, channel: channel)) }
                guard routed else { continue }
                let posts = try await store.channelPosts(approvalID: view.approval.id)
                if !posts.contains(where: { $0.approver == approver && $0.channel == channel.rawValue }) { found.append(view) }
            }
            guard page.count == Self.maximumPage, let last = page.last else { return found }
            cursor = DeadlineCursor(deadline: last.approval.deadline, id: last.approval.id)
        }
    }

    /// Nobody answered the previous step in time: when the approval is still pending, queues step
    /// `step` of its chain (its cards, and the timer of the step after it). Queuing is idempotent.
    public func notifyStep(approvalID: String, step: Int) async throws {
        guard let view = try await store.approval(id: approvalID), view.approval.status == .pending else { return }
        let now = now()
        guard now < view.approval.deadline else { return }
        let messages = ChannelMessages.step(step, of: configuration.router.plan(for: view.proposal), approvalID: approvalID, at: now)
        guard !messages.isEmpty else { return }
        try await store.enqueueOutbox(messages)
        outboxSignal.schedule(now)
        logger.info("nobody answered in time; the next step is notified", metadata: ["approval.id": "\(approvalID)", "step": "\(step)"])
    }
}

extension Gateway {
    /// The reminder timer came due: when the approval is still pending and its deadline ahead, the
    /// approvers its cards went to are reminded, each on their channels, and the audit log says so,
    /// in one transaction. Returns the approvers reminded (none when there was nothing to do).
    @discardableResult
    public func remind(approvalID: String) async throws -> [String] {
        guard let view = try await store.approval(id: approvalID), view.approval.status == .pending else { return [] }
        let now = now()
        guard now < view.approval.deadline else { return [] }
        let messages = ChannelMessages.reminders(
            of: configuration.router.plan(for: view.proposal), approvalID: approvalID, createdAt: view.approval.createdAt, at: now)
        var approvers: [String] = []
        for message in messages where !approvers.contains(message.destination) { approvers.append(message.destination) }
        guard !messages.isEmpty else { return [] }
        let audit = AuditEvents.reminder(view, approvers: approvers, at: now)
        guard try await store.recordOnPending(approvalID: approvalID, audit: audit, outbox: messages) else { return [] }
        outboxSignal.schedule(now)
        logger.info(
            "approvers reminded before the deadline", metadata: ["approval.id": "\(approvalID)", "approvers": "\(approvers.joined(separator: ","))"])
        return approvers
    }
}

extension NotificationRouter {
    /// The plan for a stored proposal.
    func plan(for record: ProposalRecord) -> [PlannedStep] {
        plan(
            riskClass: record.verdict.riskClass, operation: record.proposal.operation, amount: record.proposal.amount,
            currency: record.proposal.currency, agent: record.proposal.agent)
    }
}

/// The doors the SMS channel uses: a code per approver and approval, and the texts already handled.
extension Gateway {
    /// How long past its deadline an approval keeps its SMS code: a late reply then reads "already
    /// decided" instead of deciding another approval that got the code meanwhile.
    public static let smsCodeHold: TimeInterval = 30 * 24 * 3600

    /// The code `approver`'s SMS names `approvalID` by: the one it already has, or the first of
    /// `candidates` that none of the approver's other approvals holds. `nil` when the approval is
    /// unknown or every candidate is held.
    public func assignSMSCode(approvalID: String, approver: String, candidates: [String]) async throws -> String? {
        guard let view = try await store.approval(id: approvalID) else { return nil }
        return try await store.assignSMSCode(
            approvalID: approvalID, approver: approver, candidates: candidates,
            holdUntil: view.approval.deadline.addingTimeInterval(Self.smsCodeHold),
            now: now())
    }

    /// The approval `code` names for `approver` (only codes sent to that approver count).
    public func approvalID(smsCode code: String, approver: String) async throws -> String? {
        try await store.smsCodeApproval(approver: approver, code: code)
    }

    /// Records an inbound text by its provider id; `false` when it was handled before (a replay).
    public func claimInboundSMS(messageID: String) async throws -> Bool {
        try await store.claimInboundSMS(messageID: messageID, at: now())
    }
}
