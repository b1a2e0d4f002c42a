import { callBinding, canonicalJSON, sha256Hex } from "./binding.js";
import {
  APIError, Escalated, Expired, InvalidResponse, NetworkError, NotExecuted, Rejected, StillPending, TakenOver,
} from "./errors.js";
import { executesAtOnce, isFinal } from "./models.js";
import type { Approval, Outcome, ProposalInput, ProposalRecord, Verdict } from "./models.js";

declare const process: { env: Record<string, string | undefined> } | undefined;

/** Exponential backoff with jitter for requests that fail in transit or with 5xx/429 (6 attempts, 200 ms doubling to 5 s). */
export interface RetryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export interface CountersignOptions {
  /** The gateway (default `COUNTERSIGN_URL`, else http://127.0.0.1:8080). */
  url?: string;
  /** The agent key (default `COUNTERSIGN_KEY`). Never logged or put in an error. */
  key?: string;
  /** The agent's name (default `COUNTERSIGN_AGENT`). */
  agent?: string;
  retry?: Partial<RetryPolicy>;
  /** Read timeout of an ordinary request, ms (30 s). */
  timeoutMs?: number;
  /** The longest single long poll of `wait`, seconds (60; the server allows 300). */
  longPollChunk?: number;
  /** A fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/** A value, or a function of the call's arguments. */
export type FromArgs<A, T> = T | ((args: A) => T);

export interface GuardOptions<A> {
  operation: string;
  confidence: FromArgs<A, number>;
  /** Words for the approver; a string may name arguments: "Refund {order}". */
  action?: FromArgs<A, string>;
  amount?: FromArgs<A, string | number | undefined>;
  currency?: FromArgs<A, string | undefined>;
  reference_amount?: FromArgs<A, string | number | undefined>;
  subject?: FromArgs<A, string | undefined>;
  reasoning?: FromArgs<A, string | undefined>;
  impact?: FromArgs<A, string | undefined>;
  context?: FromArgs<A, Record<string, unknown> | undefined>;
  fallback?: FromArgs<A, string | undefined>;
  /** The proposal's timeout (how long the approval may wait for a human): seconds or "30m". */
  timeout?: FromArgs<A, number | string | undefined>;
  /** How long the call waits for a human before throwing StillPending, seconds (300). */
  wait?: number;
  /** The binding's names (default "typescript" and the operation). */
  upstream?: string;
  tool?: string;
  /** Consume the approval (bound to this very call) before running (true). */
  consume?: boolean;
  /** Report succeeded/failed after running (true). */
  reportOutcome?: boolean;
}

interface GuardedCall {
  body: Record<string, unknown>;
  baseKey: string;
  binding: string;
  wait: number;
  consume: boolean;
  reportOutcome: boolean;
  newAfterUse: boolean;
}

/** What an AI SDK tool's `needsApproval` receives besides the input. */
export interface ToolCallOptions {
  toolCallId: string;
  [member: string]: unknown;
}

/** An AI SDK tool approval request (`{type: "tool-approval-request", approvalId, toolCall}`). */
export interface ToolApprovalRequest {
  approvalId: string;
  toolCall: { toolCallId: string; toolName: string; input: unknown };
  [member: string]: unknown;
}

/** The answer in the AI SDK's shape (`{type: "tool-approval-response", approvalId, approved, reason}`). */
export interface ToolApprovalResponse {
  type: "tool-approval-response";
  approvalId: string;
  approved: boolean;
  reason?: string;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); reject(signal.reason ?? new Error("aborted")); }, { once: true });
  });

function evaluate<A, T>(value: FromArgs<A, T> | undefined, args: A): T | undefined {
  return typeof value === "function" ? (value as (args: A) => T)(args) : value;
}

function format(template: string, args: Record<string, unknown>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => (name in args ? String(args[name]) : whole));
}

function compact(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== null));
}

/** A bounded map: forgets its oldest entries past `limit`. */
class Bounded<V> extends Map<string, V> {
  constructor(private readonly limit = 10_000) { super(); }
  override set(key: string, value: V): this {
    super.delete(key);
    super.set(key, value);
    while (this.size > this.limit) this.delete(this.keys().next().value as string);
    return this;
  }
}

/** An agent's client of a Countersign gateway: the same calls as the Python client. */
export class Countersign {
  readonly url: string;
  readonly agent: string | undefined;
  readonly #key: string;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #chunk: number;
  readonly #fetch: typeof fetch;
  readonly #generations = new Bounded<number>();
  readonly #delivered = new Bounded<boolean>();
  readonly #turns = new Map<string, Promise<unknown>>();

  constructor(options: CountersignOptions = {}) {
    const env = typeof process !== "undefined" ? process.env : {};
    this.url = (options.url ?? env["COUNTERSIGN_URL"] ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
    const key = options.key ?? env["COUNTERSIGN_KEY"];
    if (!key) throw new Error("no agent key: pass key or set COUNTERSIGN_KEY");
    this.#key = key;
    this.agent = options.agent ?? env["COUNTERSIGN_AGENT"];
    this.#retry = { maxAttempts: 6, initialBackoffMs: 200, maxBackoffMs: 5000, ...options.retry };
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#chunk = Math.min(Math.max(options.longPollChunk ?? 60, 0.001), 300);
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  toJSON(): unknown {
    return { url: this.url, agent: this.agent };
  }

  /** The pause after the n-th failure in a row: a random share (¼ to all) of initial × 2^(n-1), capped. */
  backoff(failures: number): number {
    const ceiling = Math.min(this.#retry.initialBackoffMs * 2 ** Math.min(Math.max(failures - 1, 0), 20), this.#retry.maxBackoffMs);
    return ceiling * (0.25 + Math.random() * 0.75);
  }

  async #once(method: string, path: string, body: string | undefined, timeoutMs: number, signal?: AbortSignal) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("read timeout")), timeoutMs);
    const abort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", abort, { once: true });
    try {
      const headers: Record<string, string> = { Authorization: `Bearer ${this.#key}`, Accept: "application/json" };
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const response = await this.#fetch(this.url + path, { method, headers, body, signal: controller.signal });
      return { status: response.status, text: await response.text() };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    }
  }

  async #send(method: string, path: string, body?: unknown, options: {
    retrying?: boolean; timeoutMs?: number; repeatIsSuccess?: string; signal?: AbortSignal;
  } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const attempts = options.retrying === false ? 1 : Math.max(1, this.#retry.maxAttempts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let lastFailure = "";
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(this.backoff(attempt - 1), options.signal);
      let answer: { status: number; text: string };
      try {
        answer = await this.#once(method, path, payload, options.timeoutMs ?? this.#timeoutMs, options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason ?? error;
        lastFailure = error instanceof Error ? error.name : "fetch failed";
        continue;
      }
      let json: Record<string, unknown> = {};
      try {
        const parsed: unknown = answer.text ? JSON.parse(answer.text) : {};
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
      } catch {
        if (answer.status < 300) throw new InvalidResponse(`${method} ${path.split("?")[0]}: the answer is not JSON`);
      }
      if (answer.status >= 200 && answer.status < 300) return { status: answer.status, json };
      const error = (json["error"] ?? {}) as { code?: unknown; message?: unknown };
      const code = typeof error.code === "string" ? error.code : `http_${answer.status}`;
      if (answer.status === 429 || answer.status >= 500) {
        lastFailure = `HTTP ${answer.status} ${code}`;
        continue;
      }
      if (attempt > 1 && options.repeatIsSuccess === code) return { status: answer.status, json };
      throw new APIError(answer.status, code, typeof error.message === "string" ? error.message : "");
    }
    throw new NetworkError(`${method} ${path.split("?")[0]}: ${lastFailure} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`);
  }

  static #read<T>(json: Record<string, unknown>, required: string[], what: string): T {
    for (const member of required) if (typeof json[member] !== "string") throw new InvalidResponse(`${what}: missing ${member}`);
    return json as T;
  }

  /** Proposes an action (`POST /v1/proposals`); the verdict's `is_replay` is true for a repeated idempotency key. */
  async propose(proposal: ProposalInput): Promise<Verdict> {
    const agent = proposal.agent ?? this.agent;
    if (!agent) throw new Error("no agent: pass agent to the client (or set COUNTERSIGN_AGENT) or to propose()");
    // A key made once per call, here, so this call's own retries can never create a second proposal.
    const body = compact({ ...proposal, idempotency_key: proposal.idempotency_key ?? "cs-" + crypto.randomUUID(), agent });
    const { status, json } = await this.#send("POST", "/v1/proposals", body);
    return { ...Countersign.#read<Verdict>(json, ["proposal_id", "level"], "verdict"), is_replay: status === 200 };
  }

  /** The approval as it stands now. */
  async approval(id: string): Promise<Approval> {
    return Countersign.#read((await this.#send("GET", `/v1/approvals/${encodeURIComponent(id)}`)).json, ["id", "status"], "approval");
  }

  /** A stored proposal of this agent, with its verdict, approval and outcome. */
  async proposal(id: string): Promise<ProposalRecord> {
    return Countersign.#read((await this.#send("GET", `/v1/proposals/${encodeURIComponent(id)}`)).json, ["proposal_id"], "proposal");
  }

  /** Waits until the approval is decided or expires, or `timeout` seconds pass (then it is returned
   *  still pending: not an error). Long polls of at most `longPollChunk` s; dropped connections and
   *  gateway restarts are retried with backoff. `signal` cancels it. */
  async wait(approvalId: string, options: { timeout?: number; signal?: AbortSignal } = {}): Promise<Approval> {
    const deadline = performance.now() + (options.timeout ?? 300) * 1000;
    let latest: Approval | undefined;
    let failures = 0;
    let lastFailure: unknown;
    for (;;) {
      const chunk = Math.max(Math.min((deadline - performance.now()) / 1000, this.#chunk), 0);
      const path = `/v1/approvals/${encodeURIComponent(approvalId)}?wait=${(Math.floor(chunk * 1000) / 1000).toFixed(3)}`;
      try {
        const { json } = await this.#send("GET", path, undefined, { retrying: false, timeoutMs: (chunk + 15) * 1000, signal: options.signal });
        const approval = Countersign.#read<Approval>(json, ["id", "status"], "approval");
        if (isFinal(approval.status)) return approval;
        latest = approval;
        failures = 0;
        if (performance.now() >= deadline) return latest;
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        failures += 1;
        lastFailure = error;
        const pause = this.backoff(failures);
        if (performance.now() + pause >= deadline) {
          if (latest) return latest;
          throw lastFailure;
        }
        await sleep(pause, options.signal);
      }
    }
  }

  /** Uses an approved action exactly once (`POST /v1/approvals/{id}/consume`), right before executing.
   *  Never retried: any failure (`already_consumed`, `not_approved`, `binding_mismatch`) means do not execute. */
  async consume(approvalId: string, binding?: string | null): Promise<Approval> {
    const { json } = await this.#send("POST", `/v1/approvals/${encodeURIComponent(approvalId)}/consume`, { binding: binding ?? null }, { retrying: false });
    return Countersign.#read(json, ["id", "status"], "approval");
  }

  /** Reports what happened after executing, once; a retry whose first attempt was recorded counts as success. */
  async reportOutcome(proposalId: string, outcome: Outcome, detail?: string): Promise<ProposalRecord> {
    const { json } = await this.#send("POST", `/v1/proposals/${encodeURIComponent(proposalId)}/outcome`, compact({ outcome, detail }), {
      repeatIsSuccess: "outcome_recorded",
    });
    return json as ProposalRecord;
  }

  /** Gates a function of one arguments object: it runs only when allowed (at once on auto/notify,
   *  after a human approves on approve, consuming the approval bound to this very call); otherwise
   *  the returned function throws Escalated (at once), Rejected, TakenOver, Expired or StillPending,
   *  each with `fallback` and `comment`. The idempotency key is derived from the call, so retries and
   *  restarts of the same call reuse its proposal. */
  guard<A extends Record<string, unknown>, R>(options: GuardOptions<A>, fn: (args: A) => R | Promise<R>): (args: A) => Promise<R> {
    return async (args: A): Promise<R> => {
      const call = await this.#call(options, args);
      return this.#inTurn(call.baseKey, () => this.#guarded<R>(call, () => Promise.resolve(fn(args))));
    };
  }

  /** A `needsApproval` for a Vercel AI SDK tool: proposes the call (named by its `toolCallId`) and
   *  answers true when the verdict holds it for a human. Answer the SDK's approval request with
   *  `approvalResponse`. */
  needsApproval<A extends Record<string, unknown>>(options: GuardOptions<A>): (input: A, callOptions: ToolCallOptions) => Promise<boolean> {
    return async (input, callOptions) => {
      const call = await this.#call(options, input, callOptions?.toolCallId);
      const verdict = await this.propose({ ...(call.body as ProposalInput), idempotency_key: `${call.baseKey}/0` });
      return !executesAtOnce(verdict.level);
    };
  }

  /** The answer to an AI SDK tool approval request, from Countersign: waits for the human (an
   *  escalated call is answered at once), consumes the bound approval, and says why when it is no. */
  async approvalResponse<A extends Record<string, unknown>>(request: ToolApprovalRequest, options: GuardOptions<A>): Promise<ToolApprovalResponse> {
    const call = await this.#call(options, request.toolCall.input as A, request.toolCall.toolCallId);
    try {
      await this.#guarded({ ...call, reportOutcome: false }, async () => undefined);
      return { type: "tool-approval-response", approvalId: request.approvalId, approved: true };
    } catch (error) {
      if (!(error instanceof NotExecuted)) throw error;
      const reason = `${error.reason}${error.comment ? ": " + error.comment : ""}${error.fallback ? ". Fallback: " + error.fallback : ""}`;
      return { type: "tool-approval-response", approvalId: request.approvalId, approved: false, reason };
    }
  }

  async #call<A extends Record<string, unknown>>(options: GuardOptions<A>, args: A, callId?: string): Promise<GuardedCall> {
    const upstream = options.upstream ?? "typescript";
    const tool = options.tool ?? options.operation;
    const binding = await callBinding(upstream, tool, args);
    const actionValue = evaluate(options.action, args);
    const action = actionValue ? format(String(actionValue), args) : `Call ${tool}(${canonicalJSON(args).slice(1, -1)})`;
    const context: Record<string, unknown> = { ...(evaluate(options.context, args) ?? {}) };
    context["call"] ??= compact({ upstream, tool, arguments: args, call_id: callId });
    context["binding"] = binding;
    const amount = evaluate(options.amount, args);
    const reference = evaluate(options.reference_amount, args);
    const body = compact({
      agent: this.agent, operation: options.operation, confidence: evaluate(options.confidence, args), action,
      amount: amount === undefined ? undefined : String(amount), currency: evaluate(options.currency, args),
      reference_amount: reference === undefined ? undefined : String(reference), subject: evaluate(options.subject, args),
      reasoning: evaluate(options.reasoning, args), impact: evaluate(options.impact, args), context,
      fallback: evaluate(options.fallback, args), timeout: evaluate(options.timeout, args),
    });
    if (typeof body["confidence"] !== "number") throw new TypeError("guard: confidence must be a number in 0…1");
    const digest = await sha256Hex(canonicalJSON(body));
    return {
      body, baseKey: `guard/${binding.slice(0, 32)}/${digest.slice(0, 16)}`, binding, wait: options.wait ?? 300,
      consume: options.consume ?? true, reportOutcome: options.reportOutcome ?? true, newAfterUse: callId === undefined,
    };
  }

  /** Identical calls in this process take turns, so each sees the previous one's outcome. */
  async #inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#turns.get(key) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(work);
    this.#turns.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.#turns.get(key) === mine) this.#turns.delete(key);
    }
  }

  async #guarded<T>(call: GuardedCall, execute: () => Promise<T>): Promise<T> {
    let generation = this.#generations.get(call.baseKey) ?? 0;
    for (let round = 0; round < 64; round++) {
      const key = `${call.baseKey}/${generation}`;
      const verdict = await this.propose({ ...(call.body as ProposalInput), idempotency_key: key });
      if (verdict.is_replay && call.newAfterUse && (await this.#answerWasUsed(verdict, key))) {
        generation += 1;
        continue;
      }
      this.#generations.set(call.baseKey, generation);
      let fallback = (verdict.approval?.fallback ?? (call.body["fallback"] as string | undefined)) ?? null;
      if (executesAtOnce(verdict.level)) return this.#execute(call, verdict, execute);
      if (verdict.level === "escalate" || !verdict.approval) {
        throw new Escalated(verdict, null, fallback, `proposal ${verdict.proposal_id} was escalated to a human`);
      }
      let approval = await this.wait(verdict.approval.id, { timeout: call.wait });
      fallback = approval.fallback ?? fallback;
      if (approval.status === "pending") throw new StillPending(verdict, approval, fallback, `approval ${approval.id} is still pending`);
      if (approval.status !== "approved") {
        this.#delivered.set(key, true);
        const Kind = approval.status === "rejected" ? Rejected : approval.status === "taken_over" ? TakenOver : Expired;
        throw new Kind(verdict, approval, fallback, `approval ${approval.id} was not approved (${approval.status})`);
      }
      if (call.consume) {
        try {
          approval = await this.consume(approval.id, call.binding);
        } catch (error) {
          if (error instanceof APIError && error.code === "already_consumed" && call.newAfterUse) {
            generation += 1; // another process made the same call and used this approval
            continue;
          }
          throw error;
        }
      }
      return this.#execute(call, verdict, execute);
    }
    throw new Error("the call's approvals kept being used by identical concurrent calls");
  }

  async #answerWasUsed(verdict: Verdict, key: string): Promise<boolean> {
    if (this.#delivered.has(key)) return true;
    const held = verdict.approval;
    if (verdict.level === "escalate") return held !== undefined && isFinal(held.status);
    if (held && held.status !== "approved") return false;
    try {
      const record = await this.proposal(verdict.proposal_id);
      return record.outcome !== undefined || Boolean(record.approval?.consumed_at);
    } catch (error) {
      if (error instanceof APIError) return true;
      throw error;
    }
  }

  async #execute<T>(call: GuardedCall, verdict: Verdict, execute: () => Promise<T>): Promise<T> {
    let value: T;
    try {
      value = await execute();
    } catch (error) {
      if (call.reportOutcome) await this.reportOutcome(verdict.proposal_id, "failed", error instanceof Error ? error.name : "Error").catch(() => undefined);
      throw error;
    }
    if (call.reportOutcome) await this.reportOutcome(verdict.proposal_id, "succeeded").catch(() => undefined);
    return value;
  }
}
