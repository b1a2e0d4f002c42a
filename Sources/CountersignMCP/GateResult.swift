import CountersignClient
import Foundation
import MCP

/// Why the proxy did not forward a call; `dev.countersign/status` in the result's `_meta`.
enum GateStatus: String, Sendable {
    case escalated, rejected, expired
    case takenOver = "taken_over"
    case stillPending = "pending"
    case unreachable, refused
    case internalError = "internal_error"
}

extension ToolCallGate {
    /// A result with `isError: true` for a call a human or the policy did not allow.
    static func notExecuted(_ status: GateStatus, verdict: Verdict, approval: Approval?, fallback: String) -> CallTool.Result {
        let approvalID = approval?.id ?? verdict.approval?.id ?? ""
        let by = approval?.decidedBy.map { " by \($0)" } ?? ""
        let comment = approval?.comment.map { " (\"\($0)\")" } ?? ""
        let reason: String
        switch status {
        case .escalated:
            let codes = verdict.reasons.filter { $0.level == .escalate }.map(\.code).joined(separator: ", ")
            reason = "the policy escalated this call to a human\(codes.isEmpty ? "" : " (\(codes))"); it was not made"
        case .rejected: reason = "a human rejected this call\(by)\(comment); it was not made"
        case .expired: reason = "nobody approved this call before its deadline; it was not made"
        case .takenOver: reason = "a human took this case over\(by)\(comment); the call was not made"
        case .stillPending:
            let deadline = (approval?.deadline ?? verdict.approval?.deadline).map { " until \(ISO8601DateFormatter().string(from: $0))" } ?? ""
            reason = """
                approval \(approvalID) is still pending\(deadline), so the call was not made yet. Call the tool again with exactly \
                the same arguments to keep waiting for it; changed arguments need a new approval
                """
        default: reason = "the call was not made"
        }
        var meta: [String: Value] = [
            "dev.countersign/status": .string(status.rawValue), "dev.countersign/proposal_id": .string(verdict.proposalID),
            "dev.countersign/level": .string(verdict.level.rawValue), "dev.countersign/fallback": .string(fallback),
        ]
        if !approvalID.isEmpty { meta["dev.countersign/approval_id"] = .string(approvalID) }
        return CallTool.Result(
            content: [.text(text: "Countersign: \(reason). Fallback: \(fallback)", annotations: nil, _meta: nil)], isError: true,
            _meta: Metadata(additionalFields: meta))
    }

    /// A result with `isError: true` when the call could not be decided (fail closed).
    static func failure(_ status: GateStatus, _ detail: String, fallback: String) -> CallTool.Result {
        CallTool.Result(
            content: [.text(text: "Countersign: \(detail). Fallback: \(fallback)", annotations: nil, _meta: nil)], isError: true,
            _meta: Metadata(additionalFields: ["dev.countersign/status": .string(status.rawValue), "dev.countersign/fallback": .string(fallback)]))
    }
}
