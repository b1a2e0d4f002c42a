#!/usr/bin/env python3
"""100 decisions in one batch (`POST /v1/approvals/decisions`) against 100 single decisions
(`POST /v1/approvals/{id}/decision`, one after another on one keep-alive connection), on a real
`countersign serve` (SQLite, every commit synced), side by side in one run.

  python3 Benchmarks/batch/batch.py --bin .build/release/countersign --rounds 15

Each round holds 200 fresh refunds, decides 100 one by one and 100 in one batch (alternating which
goes first), and times both from the first byte sent to the last answer read. Prints each round
and the medians. Standard library only.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Connection:
    """One keep-alive HTTP connection with a bearer token."""

    def __init__(self, port: int, token: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = token

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        data = json.dumps(body).encode()
        self.connection.request("POST", path, body=data, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        response = self.connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")


def hold(agent: Connection, count: int, tag: str) -> list[str]:
    ids = []
    for index in range(count):
        status, body = agent.post("/v1/proposals", {
            "idempotency_key": f"{tag}-{index}", "agent": "batch-bot", "operation": "refund", "confidence": 0.9,
            "amount": 120, "subject": f"customer-{tag}-{index}", "action": "Refund order A-1"})
        if status != 201 or "approval" not in body:
            raise SystemExit(f"proposal {index} answered {status}: {body}")
        ids.append(body["approval"]["id"])
    return ids


def singles(approver: Connection, ids: list[str]) -> float:
    started = time.perf_counter()
    for approval in ids:
        status, body = approver.post(f"/v1/approvals/{approval}/decision", {"decision": "approve"})
        if status != 200:
            raise SystemExit(f"single decision answered {status}: {body}")
    return time.perf_counter() - started


def batch(approver: Connection, ids: list[str]) -> float:
    started = time.perf_counter()
    status, body = approver.post("/v1/approvals/decisions", {"items": [{"id": i, "decision": "approve"} for i in ids]})
    elapsed = time.perf_counter() - started
    if status != 200 or body.get("decided") != len(ids):
        raise SystemExit(f"batch answered {status}: {json.dumps(body)[:2000]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/release/countersign")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="countersign-batch-")
    port = free_port()
    agent_key, approver_token = secrets.token_hex(24), secrets.token_hex(24)
    config = os.path.join(folder, "countersign.yaml")
    with open(config, "w") as file:
        file.write(f"""database: {{sqlite: countersign.db}}
http: {{host: 127.0.0.1, port: {port}}}
agent_limits: {{max_pending: unlimited, rate: unlimited}}
agents:
  - {{name: batch-bot, key_env: BATCH_AGENT_KEY}}
approvers:
  - {{name: alice, token_env: BATCH_APPROVER_TOKEN}}
""")
    environment = dict(os.environ, BATCH_AGENT_KEY=agent_key, BATCH_APPROVER_TOKEN=approver_token, LOG_LEVEL="warning")
    log = open(os.path.join(folder, "server.log"), "w")
    server = subprocess.Popen([args.bin, "serve", "--config", config], env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            print("the server did not start; see", log.name, file=sys.stderr)
            return 1
        agent, approver = Connection(port, agent_key), Connection(port, approver_token)
        single_times, batch_times = [], []
        print(f"{'round':>5} {'100 singles ms':>15} {'1 batch ms':>11}")
        for round_number in range(args.rounds):
            one = hold(agent, args.size, f"r{round_number}a")
            other = hold(agent, args.size, f"r{round_number}b")
            if round_number % 2 == 0:
                s, b = singles(approver, one), batch(approver, other)
            else:
                b, s = batch(approver, one), singles(approver, other)
            single_times.append(s)
            batch_times.append(b)
            print(f"{round_number + 1:5d} {s * 1000:15.1f} {b * 1000:11.1f}")
        ms, mb = statistics.median(single_times) * 1000, statistics.median(batch_times) * 1000
        print(f"median: {args.size} single decisions {ms:.1f} ms ({ms / args.size:.2f} ms each), "
              f"one batch of {args.size} {mb:.1f} ms ({mb / args.size:.2f} ms each): {ms / mb:.1f}x")
        return 0
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
