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
        writer.key("type")
        writer.string(status == .expired ? "approval.expired" : "approval.decided")
        writer.raw(",")
        writer.key("timestamp")
        writer.string(Timestamp.format(at))
        writer.raw(",")
        writer.key("data")
        writer.raw("{")
        writer.key("approval_id")
        writer.string(view.approval.id)
        writer.raw(",")
        writer.key("proposal_id")
        writer.string(view.proposal.id)
        if let key = proposal.idempotencyKey {
            writer.raw(",")
            writer.key("idempotency_key")
            writer.string(key)
        }
        writer.raw(",")
        writer.key("status")
        writer.string(status.rawValue)
        writer.raw(",")
        writer.key("level")
        writer.string(view.proposal.verdict.level.rawValue)
        writer.raw(",")
        writer.key("decided_by")
        writer.string(by)
        writer.raw(",")
        writer.key("decided_at")
        writer.string(Timestamp.format(at))
        writer.raw(",")
        writer.key("comment")
        if let comment { writer.string(comment) } else { writer.raw("null") }
        writer.raw(",")
        writer.key("fallback")
        writer.string(view.approval.fallback)
        writer.raw(",")
        writer.key("execute")
        writer.bool(status.allowsExecution)
        writer.raw("}}")
        return [
            OutboxMessage(
                id: "msg_" + Identifier.make().replacingOccurrences(of: "-", with: ""), kind: "webhook", destination: destination,
                owner: proposal.agent, payload: String(decoding: writer.bytes, as: UTF8.self), nextAttemptAt: at, createdAt: at)
        ]
    }
}
