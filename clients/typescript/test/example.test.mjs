// examples/typescript_guard.mjs runs as a user runs it, against the real gateway.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { AGENT, Gateway } from "./gateway.mjs";

const EXAMPLE = fileURLToPath(new URL("../../../examples/typescript_guard.mjs", import.meta.url));
let gateway;
before(async () => { gateway = await new Gateway().start(); });
after(() => gateway.stop());

for (const [decision, expected] of [["approve", "refunded"], ["reject", "not executed \\(rejected\\): wrong order"]]) {
  test(`the example, after ${decision}`, async () => {
    const order = "X-" + randomBytes(4).toString("hex");
    const env = { ...process.env, COUNTERSIGN_URL: gateway.url, COUNTERSIGN_KEY: gateway.agentKey, COUNTERSIGN_AGENT: AGENT };
    const run = new Promise((resolve, reject) =>
      execFile(process.execPath, [EXAMPLE, order], { env, timeout: 120_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))));
    const held = await gateway.nextPending(order);
    await gateway.decide(held.id, decision, decision === "reject" ? "wrong order" : undefined);
    assert.match(await run, new RegExp(expected));
  });
}
