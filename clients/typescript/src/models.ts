/** The API's values as the gateway sends them (snake_case, as in docs/api.md and openapi.yaml).
 *  Members a newer gateway adds (the edit and respond answers to come) pass through untouched. */

export type Level = "auto" | "notify" | "approve" | "escalate";
export type ApprovalStatus = "pending" | "approved" | "rejected" | "taken_over" | "expired";
export type Outcome = "succeeded" | "failed" | "erroneous";

export interface Reason {
  code: string;
  level: Level;
  detail: string;
}

export interface HeldApproval {
  id: string;
  status: ApprovalStatus;
  deadline?: string;
  fallback?: string;
}

export interface Verdict {
  proposal_id: string;
  level: Level;
  risk_class: string;
  reasons: Reason[];
  approval?: HeldApproval;
  policy_level?: Level;
  /** True when the gateway had seen the idempotency key (HTTP 200) and answered with the first verdict. */
  is_replay: boolean;
  [member: string]: unknown;
}

export interface Approval {
  id: string;
  proposal_id: string;
  status: ApprovalStatus;
  created_at?: string;
  deadline?: string;
  fallback?: string | null;
  decided_by?: string | null;
  decided_at?: string | null;
  comment?: string | null;
  consumed_at?: string | null;
  consumed_by?: string | null;
  level?: Level;
  risk_class?: string;
  reasons?: Reason[];
  proposal?: Record<string, unknown>;
  [member: string]: unknown;
}

export interface ProposalRecord {
  proposal_id: string;
  level: Level;
  proposal?: Record<string, unknown>;
  approval?: Approval;
  outcome?: { outcome: Outcome; detail?: string; reported_by?: string; at?: string };
  created_at?: string;
  [member: string]: unknown;
}

/** A proposal as `POST /v1/proposals` takes it. Amounts: a decimal string (exact) or a number. */
export interface ProposalInput {
  operation: string;
  confidence: number;
  action: string;
  agent?: string;
  idempotency_key?: string;
  amount?: string | number;
  currency?: string;
  reference_amount?: string | number;
  subject?: string;
  reasoning?: string;
  impact?: string;
  messages?: { role?: string; text: string }[];
  context?: Record<string, unknown>;
  fallback?: string;
  /** How long the approval may wait for a human: seconds, or a duration such as "30m". */
  timeout?: number | string;
  [member: string]: unknown;
}

export const isFinal = (status: ApprovalStatus): boolean => status !== "pending";
export const executesAtOnce = (level: Level): boolean => level === "auto" || level === "notify";
