import Foundation

/// The codes SMS cards name approvals by, and the inbound texts already handled, kept by every
/// store so that they survive restarts and hold across replicas.
///
/// A code belongs to one approver and one approval: a reply from that approver's number with that
/// code can decide that approval and no other. No two approvals of one approver hold the same code
/// while either still holds it (until `holdUntil`, some time past its deadline, so a late reply is
/// answered "already decided" rather than deciding another approval).
public protocol SMSCodeStore: Sendable {
    /// In one transaction: the code `approver` already holds for `approvalID`, or else the first of
    /// `candidates` that no other approval of `approver` holds at `now`, kept for `approvalID`
    /// until `holdUntil`. `nil` when every candidate is held (the card then offers no code).
    func assignSMSCode(approvalID: String, approver: String, candidates: [String], holdUntil: Date, now: Date) async throws -> String?

    /// The approval `code` names for `approver` (held or not), or `nil`.
    func smsCodeApproval(approver: String, code: String) async throws -> String?

    /// Records an inbound text's id (Twilio's `MessageSid`); `false`, changing nothing, when it was
    /// recorded before: a replayed or repeated request, which must decide nothing.
    func claimInboundSMS(messageID: String, at: Date) async throws -> Bool
}
