/// The stable codes of refusals, as the HTTP API writes them in `{"error": {"code", "message"}}` and
/// `countersign evaluate` in its error lines. The OpenAPI document lists exactly these (a test
/// checks it), with the status each comes with.
public enum ErrorCode: String, Sendable, Hashable, CaseIterable {
    // 400: the request cannot be read.
    case invalidJSON = "invalid_json"
    case invalidParameter = "invalid_parameter"
    /// A Slack interaction without its `payload` form field.
    case invalidPayload = "invalid_payload"
    /// A Slack interaction naming an action Countersign did not put on the card.
    case invalidAction = "invalid_action"
    // 401
    case unauthorized
    /// Slack interactions whose signature is missing, stale, wrong or seen before.
    case missingSignature = "missing_signature"
    case staleTimestamp = "stale_timestamp"
    case badSignature = "bad_signature"
    case replayedRequest = "replayed_request"
    // 403: the caller may not do this.
    case agentsOnly = "agents_only"
    case approversOnly = "approvers_only"
    case agentMismatch = "agent_mismatch"
    case notAllowed = "not_allowed"
    case fourEyes = "four_eyes"
    /// A Twilio webhook whose signature does not match.
    case invalidSignature = "invalid_signature"
    /// A console form without its CSRF token.
    case csrf
    // 404
    case notFound = "not_found"
    case channelNotConfigured = "channel_not_configured"
    // 405
    case methodNotAllowed = "method_not_allowed"
    // 409: the state no longer allows it.
    case notPending = "not_pending"
    case pastDeadline = "past_deadline"
    case outcomeRecorded = "outcome_recorded"
    case notDead = "not_dead"
    case notDue = "not_due"
    case notApproved = "not_approved"
    case alreadyConsumed = "already_consumed"
    /// The stored record cannot be read (a hand edit, or a row an older version wrote): only
    /// that one item fails; everything else is served.
    case unreadableRecord = "unreadable_record"
    // 413
    case payloadTooLarge = "payload_too_large"
    // 422: well-formed, but it cannot be judged or done.
    case invalidProposal = "invalid_proposal"
    case currencyMismatch = "currency_mismatch"
    case idempotencyKeyReused = "idempotency_key_reused"
    case invalidDecision = "invalid_decision"
    /// The operation's policy does not offer that decision (`operations.<name>.decisions`).
    case decisionNotOffered = "decision_not_offered"
    case invalidOutcome = "invalid_outcome"
    case invalidReassign = "invalid_reassign"
    case unknownApprover = "unknown_approver"
    case unknownGroup = "unknown_group"
    case notAllowedTarget = "not_allowed_target"
    case invalidBinding = "invalid_binding"
    case bindingMismatch = "binding_mismatch"
    // 429: over a limit; `Retry-After` says when to try again.
    /// The agent proposes faster than its rate (`agents[].rate`).
    case rateLimited = "rate_limited"
    /// The agent has as many approvals pending as it may (`agents[].max_pending`).
    case tooManyPending = "too_many_pending"
    // 500
    case `internal`
    // 503
    case storeUnavailable = "store_unavailable"
}
