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

extension NotificationRouter {
    /// The plan for a stored proposal.
    func plan(for record: ProposalRecord) -> [PlannedStep] {
        plan(riskClass: record.verdict.riskClass, operation: record.proposal.operation, amount: record.proposal.amount, agent: record.proposal.agent)
    }
}
