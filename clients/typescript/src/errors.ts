import type { Approval, Verdict } from "./models.js";

/** The root of everything the client throws. */
export class CountersignError extends Error {
  override name = "CountersignError";
}

/** The gateway could not be reached (or kept answering 5xx/429) through every retry. */
export class NetworkError extends CountersignError {
  override name = "NetworkError";
}

/** The gateway answered something this client cannot read. */
export class InvalidResponse extends CountersignError {
  override name = "InvalidResponse";
}

/** Families of the gateway's error codes, by HTTP status (docs/api.md). */
export type ErrorFamily =
  | "invalid_request" | "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "conflict"
  | "payload_too_large" | "invalid" | "too_many_requests" | "server_error" | "unavailable" | "other";

const FAMILIES: Record<number, ErrorFamily> = {
  400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
  409: "conflict", 413: "payload_too_large", 422: "invalid", 429: "too_many_requests", 503: "unavailable",
};

/** A refusal: HTTP `status`, the stable error `code` (branch on it), a `message` for humans, and its `family`.
 *  A code this version does not know still parses, into its status's family. */
export class APIError extends CountersignError {
  override name = "APIError";
  readonly family: ErrorFamily;
  constructor(readonly status: number, readonly code: string, message: string) {
    super(`the gateway refused the request (${status} ${code})${message ? ": " + message : ""}`);
    this.family = FAMILIES[status] ?? (status >= 500 ? "server_error" : "other");
  }
}

/** The guarded action did not run. `fallback`: the safe action instead; `comment`: the approver's. */
export class NotExecuted extends CountersignError {
  override name = "NotExecuted";
  readonly reason: "escalated" | "rejected" | "taken_over" | "expired" | "still_pending" = "escalated";
  readonly comment: string | null;
  readonly decidedBy: string | null;
  constructor(readonly verdict: Verdict, readonly approval: Approval | null, readonly fallback: string | null, sentence: string) {
    super(sentence);
    this.comment = approval?.comment ?? null;
    this.decidedBy = approval?.decided_by ?? null;
  }
  get approvalId(): string | null {
    return this.approval?.id ?? this.verdict.approval?.id ?? null;
  }
}

/** The policy escalated the proposal; thrown at once, without waiting. */
export class Escalated extends NotExecuted {
  override name = "Escalated";
  override readonly reason = "escalated" as const;
}
/** A human rejected the proposal. */
export class Rejected extends NotExecuted {
  override name = "Rejected";
  override readonly reason = "rejected" as const;
}
/** A human took the case over. */
export class TakenOver extends NotExecuted {
  override name = "TakenOver";
  override readonly reason = "taken_over" as const;
}
/** Nobody decided before the deadline. */
export class Expired extends NotExecuted {
  override name = "Expired";
  override readonly reason = "expired" as const;
}
/** The wait ended while the approval was pending; the same call later reattaches to it. */
export class StillPending extends NotExecuted {
  override name = "StillPending";
  override readonly reason = "still_pending" as const;
}

/** A webhook whose signature is missing, wrong or too old. */
export class WebhookVerificationError extends CountersignError {
  override name = "WebhookVerificationError";
}
