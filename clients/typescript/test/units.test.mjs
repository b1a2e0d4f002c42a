import { test } from "node:test";
import assert from "node:assert/strict";
import { APIError, callBinding, canonicalJSON, canonicalNumber, Countersign, NetworkError, signWebhook, verifyWebhook,
  WebhookVerificationError } from "../dist/index.js";

test("numbers are written as Swift and Python write them", () => {
  const cases = [[120, "120"], [120.5, "120.5"], [1e-5, "1e-05"], [0.0001, "0.0001"], [1e15, "1000000000000000"], [1e16, "10000000000000000"], [1e19, "1e+19"],
    [123456789012345.6, "123456789012345.6"], [1.5e20, "1.5e+20"], [9007199254740992, "9007199254740992"], [9.5e18, "9.5e+18"], [-0, "0"], [0.1, "0.1"],
    [1e21, "1e+21"], [123456789012345680000, "1.2345678901234568e+20"], [1e-7, "1e-07"], [2.5e-300, "2.5e-300"], [1.7976931348623157e308, "1.7976931348623157e+308"], [5e-324, "5e-324"], [-3, "-3"]];
  for (const [number, text] of cases) assert.equal(canonicalNumber(number), text, String(number));
});

test("the binding is the one the Python client and the MCP proxy compute", async () => {
  const args = { order: "A-1", amount: 120.5, n: 1e-5, big: 1e16, note: 'é"\n😀', list: [1, true, null, { b: 1, a: 2 }], beyond: 1e19 };
  assert.equal(canonicalJSON(args), '{"amount":120.5,"beyond":1e+19,"big":10000000000000000,"list":[1,true,null,{"a":2,"b":1}],"n":1e-05,"note":"é\\"\\u000a😀","order":"A-1"}');
  // the Python client's call_binding of the same call (itself checked against countersign mcp-proxy)
  assert.equal(await callBinding("billing", "refund", args), "05209df675484dfb5e7ed324c0cdf597e192928ef0ec5ac094a27ecd098ea252");
});

test("webhook signatures match the standardwebhooks package's", async () => {
  const secret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  const body = '{"type":"approval.decided"}';
  const signature = "v1,9HydyTXHjrzPQhiIfHDLBGuYsQ/+8auXGkOv1Mkv1pM="; // standardwebhooks 1.1.0, Webhook(secret).sign
  assert.equal(await signWebhook(secret, "msg_1", 1790000000, body), signature);
  const headers = { "Webhook-Id": "msg_1", "webhook-timestamp": "1790000000", "webhook-signature": "v1,bm90IGl0 " + signature };
  assert.deepEqual(await verifyWebhook(secret, headers, body, { now: 1790000100 }), { type: "approval.decided" });
  await assert.rejects(verifyWebhook(secret, headers, body + " ", { now: 1790000100 }), WebhookVerificationError);
  await assert.rejects(verifyWebhook(secret, headers, body, { now: 1790000400 }), WebhookVerificationError); // stale
  await assert.rejects(verifyWebhook(secret, { ...headers, "webhook-signature": undefined }, body, { now: 1790000100 }), WebhookVerificationError);
  await assert.rejects(verifyWebhook("whsec_b3RoZXI=", headers, body, { now: 1790000100 }), WebhookVerificationError);
});

test("unknown future error codes still parse into their family", () => {
  assert.equal(new APIError(409, "a_new_conflict", "m").family, "conflict");
  assert.equal(new APIError(418, "teapot", "m").family, "other");
  assert.equal(new APIError(502, "bad_gateway", "m").family, "server_error");
});

test("an unreachable gateway is a NetworkError that never shows the key", async () => {
  const cs = new Countersign({ url: "http://127.0.0.1:9", key: "cs_agent_secret_value_123", agent: "a", retry: { maxAttempts: 2, initialBackoffMs: 5 } });
  assert.ok(!JSON.stringify(cs).includes("secret"));
  await assert.rejects(cs.approval("x"), (error) => error instanceof NetworkError && !String(error).includes("secret") && /after 2 attempts/.test(error.message));
});
