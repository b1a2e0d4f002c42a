import CountersignCore
import CountersignStore
import Foundation

/// The webhook an agent receives when one of its approvals ends, queued in the outbox in the same
/// transaction as the decision or expiry (Standard Webhooks: `type`, `timestamp`, `data`).
enum Webhooks {
    static func messages(
        for view: ApprovalView, status: ApprovalStatus, by: String, at: Date, comment: String?, targets: [String: WebhookTarget]
    ) -> [OutboxMessage] {
        let proposal = view.proposal.proposal
        guard let destination = proposal.callbackURL ?? targets[proposal.agent]?.url else { return [] }
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        writer.member("type", status == .expired ? "approval.expired" : "approval.decided")
        writer.member("timestamp", date: at)
        writer.member("data")
        writer.raw("{")
        writer.member("approval_id", view.approval.id)
        writer.member("proposal_id", view.proposal.id)
        if let key = proposal.idempotencyKey { writer.member("idempotency_key", key) }
        writer.member("status", status.rawValue)
        writer.member("level", view.proposal.verdict.level.rawValue)
        writer.member("decided_by", by)
        writer.member("decided_at", date: at)
        writer.member("comment", comment)
        writer.member("fallback", view.approval.fallback)
        writer.member("execute")
        writer.bool(status.allowsExecution)
        writer.raw("}}")
        return [
            OutboxMessage(
                id: "msg_" + Identifier.make().replacingOccurrences(of: "-", with: ""), kind: "webhook", destination: destination,
                owner: proposal.agent, payload: String(decoding: writer.bytes, as: UTF8.self), nextAttemptAt: at, createdAt: at)
        ]
    }
}
