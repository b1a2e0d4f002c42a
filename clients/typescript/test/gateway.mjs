// A real `countersign serve` for the tests: the binary from COUNTERSIGN_BIN, a fresh SQLite file,
// a configuration naming the agent key and approver token through the environment, port 0.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

export const AGENT = "ts-agent";

const CONFIG = `policy:
  escalation: {consecutive_rejections: false, approvals_per_subject: false, low_confidence_streak: false}
agents:
  - {name: ts-agent, key_env: CS_TEST_AGENT_KEY}
approvers:
  - {name: alice, token_env: CS_TEST_ALICE_TOKEN}
`;

export class Gateway {
  constructor() {
    const bin = process.env.COUNTERSIGN_BIN;
    if (!bin) throw new Error("set COUNTERSIGN_BIN to the built countersign executable (clients/test.sh does)");
    this.bin = bin;
    this.dir = mkdtempSync(join(tmpdir(), "countersign-ts-"));
    writeFileSync(join(this.dir, "countersign.yaml"), CONFIG);
    this.agentKey = "cs_agent_ts_" + randomBytes(16).toString("hex");
    this.approverToken = "cs_approver_ts_" + randomBytes(16).toString("hex");
    this.port = 0;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  start() {
    const args = ["serve", "--config", join(this.dir, "countersign.yaml"), "--db", join(this.dir, "countersign.db"),
      "--host", "127.0.0.1", "--port", String(this.port)];
    const env = { ...process.env, CS_TEST_AGENT_KEY: this.agentKey, CS_TEST_ALICE_TOKEN: this.approverToken, LOG_LEVEL: "warning" };
    this.child = spawn(this.bin, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("serve did not start:\n" + output)), 60_000);
      const read = (chunk) => {
        output += chunk;
        const match = /is listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          this.port = Number(match[1]);
          resolve(this);
        }
      };
      this.child.stdout.on("data", read);
      this.child.stderr.on("data", read);
      this.child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`serve exited (${code}):\n${output}`)); });
    });
  }

  stop() {
    return new Promise((resolve) => {
      if (!this.child || this.child.exitCode !== null) return resolve();
      this.child.removeAllListeners("exit");
      this.child.on("exit", () => resolve());
      this.child.kill("SIGTERM");
    });
  }

  async approverRequest(method, path, body) {
    const response = await fetch(this.url + path, {
      method, headers: { Authorization: `Bearer ${this.approverToken}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  /** Polls the queue until a pending approval whose action contains `text` appears. */
  async nextPending(text, exclude = new Set()) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const page = await this.approverRequest("GET", "/v1/approvals?status=pending&limit=200");
      const found = page.items.find((item) => item.proposal.action.includes(text) && !exclude.has(item.id));
      if (found) return found;
      if (Date.now() > deadline) throw new Error("no pending approval appeared");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  decide(id, decision, comment) {
    return this.approverRequest("POST", `/v1/approvals/${id}/decision`, comment === undefined ? { decision } : { decision, comment });
  }

  proposal(id) {
    return this.approverRequest("GET", `/v1/proposals/${id}`);
  }
}
