#!/usr/bin/env python3
"""A soak of a real `countersign serve` (SQLite): mixed load for a while, memory sampled as it runs.

  python3 Benchmarks/soak/soak.py --bin .build/release/countersign --minutes 10

Workers propose refunds the policy holds and auto-approved lookups; each held one is approved,
rejected, or left to expire (a 3 s timeout), some with a long poll (`?wait=`) open while the
approver decides. Every decision and expiry sends a signed webhook to a slow local receiver
(0.3 s an answer, every tenth a 503, so the outbox retries). The server's resident memory
(VmRSS) is read every 10 s. At the end the server is stopped with SIGTERM, `audit verify` checks
the chain, and every webhook the receiver saw is checked against its Standard Webhooks signature.

Prints one line per sample and a summary; exits non-zero on any error (a 5xx, an unexpected
status, a bad signature, a failed audit) or when memory after warm-up grew by more than
--max-growth-mib. Standard library only.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(http.server.ThreadingHTTPServer):
    """The agent's webhook endpoint: slow, sometimes failing, checking every signature."""

    daemon_threads = True

    def __init__(self, secret: bytes):
        self.secret = secret
        self.lock = threading.Lock()
        self.seen: set[str] = set()
        self.deliveries = 0
        self.bad_signatures = 0
        self.counter = 0
        super().__init__(("127.0.0.1", 0), ReceiverHandler)


class ReceiverHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):
        server: Receiver = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        wid, ts, sig = self.headers.get("webhook-id", ""), self.headers.get("webhook-timestamp", ""), self.headers.get("webhook-signature", "")
        expected = base64.b64encode(hmac.new(server.secret, f"{wid}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
        time.sleep(0.3)
        with server.lock:
            server.counter += 1
            fail = server.counter % 10 == 0
            if f"v1,{expected}" not in sig.split(" "):
                server.bad_signatures += 1
            elif not fail:
                server.deliveries += 1
                server.seen.add(wid)
        self.send_response(503 if fail else 200)
        self.send_header("content-length", "0")
        self.end_headers()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.errors: list[str] = []
        self.by_kind: dict[str, int] = {}

    def count(self, kind: str):
        with self.lock:
            self.requests += 1
            self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def error(self, text: str):
        with self.lock:
            self.errors.append(text)


def call(base: str, method: str, path: str, token: str, body: dict | None = None, timeout: float = 60) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, {"raw": text[:200].decode(errors="replace")}


def worker(number: int, base: str, agent_key: str, approver_token: str, stop: float, stats: Stats):
    rng = random.Random(number)
    serial = 0
    while time.monotonic() < stop:
        serial += 1
        tag = f"w{number}-{serial}"
        if rng.random() < 0.3:
            status, body = call(base, "POST", "/v1/proposals", agent_key, {
                "agent": "soak-bot", "operation": "lookup_order", "confidence": 0.99, "action": f"Look up order {tag}",
                "idempotency_key": f"soak/{tag}",
            })
            stats.count("auto")
            if status != 201 or body.get("approval"):
                stats.error(f"auto proposal: {status} {body}")
            continue
        fate = rng.choice(["approve", "reject", "expire"])
        status, body = call(base, "POST", "/v1/proposals", agent_key, {
            "agent": "soak-bot", "operation": "refund", "confidence": 0.99, "amount": f"{rng.randint(501, 4000)}.{rng.randint(0, 99):02d}",
            "currency": "USD", "subject": f"soak-customer-{tag}", "action": f"Refund order S-{tag} in full",
            "idempotency_key": f"soak/{tag}", "timeout": "3s" if fate == "expire" else "10m",
        })
        stats.count("held")
        approval = (body.get("approval") or {}).get("id") if status == 201 else None
        if not approval:
            stats.error(f"held proposal: {status} {body}")
            continue
        poll: threading.Thread | None = None
        if rng.random() < 0.5:
            def long_poll(approval=approval, fate=fate):
                status, body = call(base, "GET", f"/v1/approvals/{approval}?wait=8", agent_key, timeout=30)
                stats.count("long poll")
                want = {"approve": "approved", "reject": "rejected", "expire": "expired"}[fate]
                if status != 200 or body.get("status") not in ("pending", want):
                    stats.error(f"long poll: {status} {body}")
            poll = threading.Thread(target=long_poll)
            poll.start()
        if fate != "expire":
            time.sleep(rng.uniform(0, 0.2))
            status, body = call(base, "POST", f"/v1/approvals/{approval}/decision", approver_token, {"decision": fate, "comment": "soak"})
            stats.count("decision")
            if status != 200:
                stats.error(f"decision: {status} {body}")
        if poll:
            poll.join()


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=".build/release/countersign")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--warmup-minutes", type=float, default=2, help="memory is compared from the end of this on")
    parser.add_argument("--max-growth-mib", type=float, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="countersign-soak-")
    hook_secret = secrets.token_bytes(24)
    receiver = Receiver(hook_secret)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    port = free_port()
    agent_key, approver_token = secrets.token_hex(24), secrets.token_hex(24)
    config = os.path.join(folder, "countersign.yaml")
    with open(config, "w") as file:
        file.write(f"""database: {{sqlite: countersign.db}}
http: {{host: 127.0.0.1, port: {port}}}
agent_limits: {{max_pending: unlimited, rate: unlimited}}
agents:
  - name: soak-bot
    key_env: SOAK_AGENT_KEY
    webhook: {{url: "http://127.0.0.1:{receiver.server_address[1]}/hook", secret_env: SOAK_WEBHOOK_SECRET}}
approvers:
  - {{name: alice, token_env: SOAK_APPROVER_TOKEN}}
""")
    environment = dict(os.environ, SOAK_AGENT_KEY=agent_key, SOAK_APPROVER_TOKEN=approver_token,
                       SOAK_WEBHOOK_SECRET="whsec_" + base64.b64encode(hook_secret).decode(), LOG_LEVEL="warning")
    log = open(os.path.join(folder, "server.log"), "w")
    server = subprocess.Popen([args.bin, "serve", "--config", config], env=environment, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        print("the server did not start; see", log.name, file=sys.stderr)
        return 1

    stats = Stats()
    started = time.monotonic()
    stop = started + args.minutes * 60
    threads = [threading.Thread(target=worker, args=(n, base, agent_key, approver_token, stop, stats)) for n in range(args.workers)]
    for thread in threads:
        thread.start()
    samples: list[tuple[float, int, int]] = []
    print(f"{'minute':>7} {'rss MiB':>8} {'requests':>9} {'errors':>7}")
    while any(thread.is_alive() for thread in threads):
        elapsed = time.monotonic() - started
        sample = (elapsed, rss_kib(server.pid), stats.requests)
        samples.append(sample)
        print(f"{elapsed / 60:7.2f} {sample[1] / 1024:8.1f} {sample[2]:9d} {len(stats.errors):7d}", flush=True)
        time.sleep(10)
    for thread in threads:
        thread.join()
    # Let the last expiries fire and the outbox drain (it retries the receiver's 503s with backoff).
    time.sleep(15)
    _, pending = call(base, "GET", "/v1/outbox?status=pending", approver_token)
    _, dead = call(base, "GET", "/v1/outbox?status=dead", approver_token)
    samples.append((time.monotonic() - started, rss_kib(server.pid), stats.requests))
    server.send_signal(signal.SIGTERM)
    exit_status = server.wait(timeout=30)
    audit = subprocess.run([args.bin, "audit", "verify", "--db", os.path.join(folder, "countersign.db")], capture_output=True, text=True)

    after_warmup = [rss for at, rss, _ in samples if at >= args.warmup_minutes * 60]
    growth_mib = (max(after_warmup) - after_warmup[0]) / 1024 if after_warmup else 0.0
    seconds = samples[-1][0]
    print()
    print(f"requests: {stats.requests} in {seconds:.0f} s ({stats.requests / seconds:.0f}/s): {stats.by_kind}")
    print(f"webhooks delivered (distinct ids): {len(receiver.seen)}; bad signatures: {receiver.bad_signatures}; "
          f"outbox left pending: {len(pending.get('messages', pending.get('items', [])))}, dead: {len(dead.get('messages', dead.get('items', [])))}")
    print(f"memory: {samples[0][1] / 1024:.1f} MiB at start, {after_warmup[0] / 1024 if after_warmup else 0:.1f} MiB after warm-up, "
          f"peak after warm-up {max(after_warmup) / 1024 if after_warmup else 0:.1f} MiB, growth {growth_mib:.1f} MiB")
    print(f"errors: {len(stats.errors)}" + "".join(f"\n  {e}" for e in stats.errors[:10]))
    print(f"server exit status after SIGTERM: {exit_status}")
    print(f"audit verify: exit {audit.returncode}: {(audit.stdout + audit.stderr).strip()}")
    if not args.keep:
        subprocess.run(["rm", "-rf", folder])
    else:
        print("kept", folder)
    ok = not stats.errors and receiver.bad_signatures == 0 and audit.returncode == 0 and exit_status == 0 and growth_mib <= args.max_growth_mib
    print("soak:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
