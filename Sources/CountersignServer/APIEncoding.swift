import CountersignCore
import CountersignStore
import Foundation
import Hummingbird

/// The API's JSON bodies (CONTRACT §3 and §6), written directly to bytes.
enum APIEncoding {
    /// `{"proposal_id", "level", "risk_class", "reasons", "approval"?}`: the answer to a proposal.
    /// A replay of a decided proposal carries the decision too (`decided_by`, `decided_at`,
    /// `comment`), so an agent learns why it was refused without another request.
    static func verdict(_ view: ProposalView) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        writer.member("proposal_id", view.proposal.id)
        view.proposal.verdict.writeMembers(to: &writer)
        if let approval = view.approval {
            writer.member("approval")
            writer.raw("{")
            writer.member("id", approval.id)
            writer.member("status", approval.status.rawValue)
            writer.member("deadline", date: approval.deadline)
            writer.member("fallback", approval.fallback)
            if approval.status != .pending {
                writer.member("decided_by", approval.decidedBy)
                writer.member("decided_at", date: approval.decidedAt)
                writer.member("comment", approval.comment)
            }
            writer.raw("}")
        }
        writer.raw("}")
        return writer.bytes
    }

    /// A proposal with its verdict, approval and outcome.
    static func proposal(_ view: ProposalView) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        writer.raw("{")
        writer.member("proposal_id", view.proposal.id)
        view.proposal.verdict.writeMembers(to: &writer)
        writer.member("proposal")
        view.proposal.proposal.write(to: &writer)
        writer.member("created_at", date: view.proposal.createdAt)
        if let approval = view.approval {
            writer.member("approval")
            writer.raw("{")
            approvalMembers(approval, &writer)
            writer.raw("}")
        }
        if let outcome = view.proposal.outcome {
            writer.member("outcome")
            writer.raw("{")
            writer.member("outcome", outcome.outcome.rawValue)
            if let detail = outcome.detail { writer.member("detail", detail) }
            writer.member("reported_by", outcome.reportedBy)
            writer.member("at", date: outcome.at)
            writer.raw("}")
        }
        writer.raw("}")
        return writer.bytes
    }

    /// An approval as CONTRACT §6 shows it, with its proposal and verdict.
    static func approval(_ view: ApprovalView) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        approval(view, &writer)
        return writer.bytes
    }

    static func approval(_ view: ApprovalView, _ writer: inout JSONWriter) {
        writer.raw("{")
        approvalMembers(view.approval, &writer)
        view.proposal.verdict.writeMembers(to: &writer)
        writer.member("proposal")
        view.proposal.proposal.write(to: &writer)
        writer.raw("}")
    }

    /// `{"items": [...], "next_cursor": …}`
    static func approvals(_ views: [ApprovalView], nextCursor: String?) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024 * max(views.count, 1))
        writer.raw("{")
        writer.member("items")
        writer.raw("[")
        for view in views {
            writer.separate()
            approval(view, &writer)
        }
        writer.raw("]")
        writer.member("next_cursor", nextCursor)
        writer.raw("}")
        return writer.bytes
    }

    private static func approvalMembers(_ approval: ApprovalRecord, _ writer: inout JSONWriter) {
        writer.member("id", approval.id)
        writer.member("proposal_id", approval.proposalID)
        writer.member("status", approval.status.rawValue)
        writer.member("created_at", date: approval.createdAt)
        writer.member("deadline", date: approval.deadline)
        writer.member("fallback", approval.fallback)
        writer.member("decided_by", approval.decidedBy)
        writer.member("decided_at", date: approval.decidedAt)
        writer.member("comment", approval.comment)
        writer.member("required_approvals", approval.requiredApprovals)
        writer.member("first_approved_by", approval.firstApprovedBy)
        writer.member("first_approved_at", date: approval.firstApprovedAt)
        writer.member("consumed_at", date: approval.consumedAt)
        writer.member("consumed_by", approval.consumedBy)
    }

    /// `{"items": [outbox messages]}` for operators: what is stuck and why (payloads included, no secrets).
    static func outbox(_ messages: [OutboxMessage]) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        writer.member("items")
        writer.raw("[")
        for message in messages {
            writer.separate()
            writer.raw("{")
            writer.member("id", message.id)
            writer.member("kind", message.kind)
            writer.member("destination", message.destination)
            writer.member("owner", message.owner)
            writer.member("status", message.status.rawValue)
            writer.member("attempts", message.attempts)
            writer.member("next_attempt_at", date: message.nextAttemptAt)
            writer.member("last_error", message.lastError)
            writer.member("created_at", date: message.createdAt)
            writer.member("payload", message.payload)
            writer.raw("}")
        }
        writer.raw("]}")
        return writer.bytes
    }

    /// A JSON response.
    static func response(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
