// Every path of guard against the real gateway, decided through the HTTP API by an approver.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Countersign, Escalated, Expired, Rejected, StillPending, TakenOver } from "../dist/index.js";
import { AGENT, Gateway } from "./gateway.mjs";

const AUTO = 0.995, APPROVE = 0.9, ESCALATE = 0.5;
let gateway;
let cs;
const order = () => "T-" + randomBytes(5).toString("hex");

before(async () => {
  gateway = await new Gateway().start();
  cs = new Countersign({ url: gateway.url, key: gateway.agentKey, agent: AGENT });
});
after(() => gateway.stop());

function refundGuard(confidence, extra = {}) {
  const calls = [];
  const refund = cs.guard({ operation: "refund", confidence, action: "Refund {order}", amount: (a) => a.amount,
    fallback: "A specialist will follow up", ...extra }, async ({ order, amount }) => { calls.push([order, amount]); return `refunded ${order}`; });
  return { refund, calls };
}

test("auto runs at once and reports success", async () => {
  const { refund, calls } = refundGuard(AUTO);
  const id = order();
  assert.equal(await refund({ order: id, amount: 120 }), `refunded ${id}`);
  assert.deepEqual(calls, [[id, 120]]);
});

for (const [decision, Kind] of [["approve", null], ["reject", Rejected], ["take_over", TakenOver]]) {
  test(`a held call after ${decision}`, async () => {
    const { refund, calls } = refundGuard(APPROVE);
    const id = order();
    const running = refund({ order: id, amount: 120 });
    running.catch(() => undefined);
    const held = await gateway.nextPending(id);
    assert.deepEqual(calls, []);
    await gateway.decide(held.id, decision, "checked ✓");
    if (Kind === null) {
      assert.equal(await running, `refunded ${id}`);
      const view = await gateway.proposal(held.proposal_id);
      assert.ok(view.approval.consumed_at);
      assert.equal(view.outcome.outcome, "succeeded");
    } else {
      await assert.rejects(running, (error) => error instanceof Kind && error.comment === "checked ✓" && error.fallback === "A specialist will follow up");
      assert.deepEqual(calls, []);
    }
  });
}

test("escalated throws at once, without waiting", async () => {
  const { refund, calls } = refundGuard(ESCALATE, { wait: 3600 });
  await assert.rejects(refund({ order: order(), amount: 1 }), Escalated);
  assert.deepEqual(calls, []);
});

test("expired after the proposal's short timeout", async () => {
  const { refund } = refundGuard(APPROVE, { timeout: 1 });
  await assert.rejects(refund({ order: order(), amount: 1 }), (error) => error instanceof Expired && error.decidedBy === "system");
});

test("still pending, then the same call reattaches to the same proposal", async () => {
  const { refund } = refundGuard(APPROVE, { wait: 0.2 });
  const id = order();
  const first = await refund({ order: id, amount: 5 }).catch((error) => error);
  assert.ok(first instanceof StillPending);
  const second = await refund({ order: id, amount: 5 }).catch((error) => error);
  assert.equal(second.approvalId, first.approvalId);
  await gateway.decide(first.approvalId, "approve");
  assert.equal(await refund({ order: id, amount: 5 }), `refunded ${id}`);
});

async function autoRefunds() {
  const text = await (await fetch(gateway.url + "/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith("countersign_proposals_total") && l.includes('level="auto"') && l.includes('operation="refund"'));
  return line ? Number(line.trim().split(/\s+/).pop()) : 0;
}

test("the same call after it ran is a new proposal; a retried one is not", async () => {
  const { refund, calls } = refundGuard(AUTO);
  const id = order();
  const before = await autoRefunds();
  await refund({ order: id, amount: 1 });
  await refund({ order: id, amount: 1 });
  assert.equal(calls.length, 2);
  assert.equal(await autoRefunds(), before + 2);
});

test("a gateway restart during the wait loses nothing", async () => {
  const { refund, calls } = refundGuard(APPROVE, { wait: 120 });
  const id = order();
  const running = refund({ order: id, amount: 7 });
  const held = await gateway.nextPending(id);
  await gateway.stop();
  await gateway.start(); // same port, same database
  await gateway.decide(held.id, "approve");
  assert.equal(await running, `refunded ${id}`);
  assert.deepEqual(calls, [[id, 7]]);
});

test("needsApproval and approvalResponse, in the Vercel AI SDK's shapes", async () => {
  const options = { operation: "refund", confidence: APPROVE, action: "Refund {order}", upstream: "ai-sdk", tool: "refund" };
  const needsApproval = cs.needsApproval(options);
  const id = order();
  assert.equal(await needsApproval({ order: id }, { toolCallId: "call-1", messages: [] }), true);
  assert.equal(await needsApproval({ order: id }, { toolCallId: "call-1", messages: [] }), true); // same call: same proposal
  const held = await gateway.nextPending(id);
  assert.equal(held.proposal.context.call.call_id, "call-1");
  await gateway.decide(held.id, "reject", "not today");
  const request = { type: "tool-approval-request", approvalId: "aisdk-1", toolCall: { toolCallId: "call-1", toolName: "refund", input: { order: id } } };
  assert.deepEqual(await cs.approvalResponse(request, options),
    { type: "tool-approval-response", approvalId: "aisdk-1", approved: false, reason: "rejected: not today. Fallback: Tell the customer a specialist will follow up shortly" });
  const auto = cs.needsApproval({ ...options, confidence: AUTO });
  assert.equal(await auto({ order: id }, { toolCallId: "call-2" }), false);
});
