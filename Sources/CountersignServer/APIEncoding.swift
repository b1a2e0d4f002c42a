import CountersignCore
import CountersignStore
import Foundation
import Hummingbird

/// The API's JSON bodies (CONTRACT §3 and §6), written directly to bytes.
enum APIEncoding {
    /// `{"proposal_id", "level", "risk_class", "reasons", "approval"?}`: the answer to a proposal.
    static func verdict(_ view: ProposalView) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        writer.key("proposal_id")
        writer.string(view.proposal.id)
        writer.raw(",")
        view.proposal.verdict.writeMembers(to: &writer)
        if let approval = view.approval {
            writer.raw(",")
            writer.key("approval")
            writer.raw("{")
            writer.key("id")
            writer.string(approval.id)
            writer.raw(",")
            writer.key("status")
            writer.string(approval.status.rawValue)
            writer.raw(",")
            writer.key("deadline")
            writer.string(Timestamp.format(approval.deadline))
            writer.raw(",")
            writer.key("fallback")
            writer.string(approval.fallback)
            writer.raw("}")
        }
        writer.raw("}")
        return writer.bytes
    }

    /// A proposal with its verdict, approval and outcome.
    static func proposal(_ view: ProposalView) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        writer.raw("{")
        writer.key("proposal_id")
        writer.string(view.proposal.id)
        writer.raw(",")
        view.proposal.verdict.writeMembers(to: &writer)
        writer.raw(",")
        writer.key("proposal")
        view.proposal.proposal.write(to: &writer)
        writer.raw(",")
        writer.key("created_at")
        writer.string(Timestamp.format(view.proposal.createdAt))
        if let approval = view.approval {
            writer.raw(",")
            writer.key("approval")
            writer.raw("{")
            approvalMembers(approval, &writer)
            writer.raw("}")
        }
        if let outcome = view.proposal.outcome {
            writer.raw(",")
            writer.key("outcome")
            writer.raw("{")
            writer.key("outcome")
            writer.string(outcome.outcome.rawValue)
            if let detail = outcome.detail {
                writer.raw(",")
                writer.key("detail")
                writer.string(detail)
            }
            writer.raw(",")
            writer.key("reported_by")
            writer.string(outcome.reportedBy)
            writer.raw(",")
            writer.key("at")
            writer.string(Timestamp.format(outcome.at))
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
        writer.raw(",")
        view.proposal.verdict.writeMembers(to: &writer)
        writer.raw(",")
        writer.key("proposal")
        view.proposal.proposal.write(to: &writer)
        writer.raw("}")
    }

    /// `{"items": [...], "next_cursor": …}`
    static func approvals(_ views: [ApprovalView], nextCursor: String?) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024 * max(views.count, 1))
        writer.raw("{")
        writer.key("items")
        writer.raw("[")
        for (index, view) in views.enumerated() {
            if index > 0 { writer.raw(",") }
            approval(view, &writer)
        }
        writer.raw("],")
        writer.key("next_cursor")
        if let nextCursor { writer.string(nextCursor) } else { writer.raw("null") }
        writer.raw("}")
        return writer.bytes
    }

    private static func approvalMembers(_ approval: ApprovalRecord, _ writer: inout JSONWriter) {
        writer.key("id")
        writer.string(approval.id)
        writer.raw(",")
        writer.key("proposal_id")
        writer.string(approval.proposalID)
        writer.raw(",")
        writer.key("status")
        writer.string(approval.status.rawValue)
        writer.raw(",")
        writer.key("created_at")
        writer.string(Timestamp.format(approval.createdAt))
        writer.raw(",")
        writer.key("deadline")
        writer.string(Timestamp.format(approval.deadline))
        writer.raw(",")
        writer.key("fallback")
        writer.string(approval.fallback)
        writer.raw(",")
        writer.key("decided_by")
        if let by = approval.decidedBy { writer.string(by) } else { writer.raw("null") }
        writer.raw(",")
        writer.key("decided_at")
        if let at = approval.decidedAt { writer.string(Timestamp.format(at)) } else { writer.raw("null") }
        writer.raw(",")
        writer.key("comment")
        if let comment = approval.comment { writer.string(comment) } else { writer.raw("null") }
        writer.raw(",")
        writer.key("required_approvals")
        writer.integer(approval.requiredApprovals)
        writer.raw(",")
        writer.key("first_approved_by")
        if let by = approval.firstApprovedBy { writer.string(by) } else { writer.raw("null") }
        writer.raw(",")
        writer.key("first_approved_at")
        if let at = approval.firstApprovedAt { writer.string(Timestamp.format(at)) } else { writer.raw("null") }
    }

    /// `{"items": [outbox messages]}` for operators: what is stuck and why (payloads included, no secrets).
    static func outbox(_ messages: [OutboxMessage]) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.raw("{")
        writer.key("items")
        writer.raw("[")
        for (index, message) in messages.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{")
            writer.key("id")
            writer.string(message.id)
            writer.raw(",")
            writer.key("kind")
            writer.string(message.kind)
            writer.raw(",")
            writer.key("destination")
            writer.string(message.destination)
            writer.raw(",")
            writer.key("owner")
            writer.string(message.owner)
            writer.raw(",")
            writer.key("status")
            writer.string(message.status.rawValue)
            writer.raw(",")
            writer.key("attempts")
            writer.integer(message.attempts)
            writer.raw(",")
            writer.key("next_attempt_at")
            writer.string(Timestamp.format(message.nextAttemptAt))
            writer.raw(",")
            writer.key("last_error")
            if let error = message.lastError { writer.string(error) } else { writer.raw("null") }
            writer.raw(",")
            writer.key("created_at")
            writer.string(Timestamp.format(message.createdAt))
            writer.raw(",")
            writer.key("payload")
            writer.string(message.payload)
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
