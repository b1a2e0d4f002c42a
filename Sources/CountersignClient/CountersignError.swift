import Foundation

/// Everything the client throws (besides `CancellationError` when the calling task is cancelled).
///
/// `description` names what failed and the server's error code; it never contains the agent key.
public enum CountersignError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The gateway could not be reached (or kept failing with 5xx) through every retry.
    case network(String)
    /// The gateway refused the request with a 4xx and its stable error `code`
    /// (`invalid_proposal`, `idempotency_key_reused`, `unauthorized`, `not_found`…).
    case refused(status: Int, code: String, message: String)
    /// The gateway answered something this client cannot read.
    case invalidResponse(String)
    /// The policy escalated the proposal: a human handles the case; the agent does not execute.
    case escalated(Verdict)
    /// A human rejected the proposal.
    case rejected(Approval)
    /// A human took the case over.
    case takenOver(Approval)
    /// Nobody decided before the approval's deadline.
    case expired(Approval)
    /// The wait ended while the approval was still pending (the proposal stays until its deadline).
    case stillPending(Approval)

    /// The server's error code for `.refused`, nil otherwise.
    public var code: String? {
        if case .refused(_, let code, _) = self { return code }
        return nil
    }

    /// A sentence naming what failed.
    public var description: String {
        switch self {
        case .network(let detail): "the gateway could not be reached: \(detail)"
        case .refused(let status, let code, let message): "the gateway refused the request (\(status) \(code)): \(message)"
        case .invalidResponse(let detail): "the gateway's answer could not be read: \(detail)"
        case .escalated(let verdict): "proposal \(verdict.proposalID) was escalated to a human"
        case .rejected(let approval): "approval \(approval.id) was rejected by \(approval.decidedBy ?? "an approver")"
        case .takenOver(let approval): "approval \(approval.id) was taken over by \(approval.decidedBy ?? "an approver")"
        case .expired(let approval): "approval \(approval.id) expired before anyone decided"
        case .stillPending(let approval): "approval \(approval.id) is still pending"
        }
    }
}
