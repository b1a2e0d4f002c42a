#!/usr/bin/env python3
"""Durable approval round trips against a running Countersign server.

Each of N concurrent agents loops:

  1. POST /v1/proposals: a refund of 600.00 USD (over approve_over = 500), so
     the verdict is `approve` and a pending approval is stored;
  2. GET /v1/approvals/{id}?wait=30 with the agent key (a long-poll);
  3. meanwhile an approver (a pool of approver tasks, one per agent, so the
     approver never queues) POSTs /v1/approvals/{id}/decision
     {"decision": "approve"} with the approver token, as soon as the agent's
     long-poll request has been sent;
  4. the round trip ends when the agent's long-poll returns `approved`
     (a long-poll that ends still `pending` is repeated, a bounded number of times).

Measured per run (fixed duration after a warm-up): completed round trips per
second, round-trip latency (1 -> 4), and wake-up latency:
  * client view: from receiving the decision's 200 to receiving the long-poll's
    answer (negative when the long-poll answer arrives first);
  * server view: from the approval's `decided_at` (server clock) to receiving
    the long-poll's answer (client clock; same machine, same clock).

Only talks to 127.0.0.1/localhost. Prints a human summary; with --json also one
JSON object on the last line.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from datetime import datetime
from urllib.parse import urlparse

import aiohttp

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def parse_time(value) -> tuple[float | None, bool]:
    """RFC 3339 / ISO 8601 -> (unix seconds, had sub-second digits)."""
    if not isinstance(value, str) or not value:
        return None, False
    v = value.strip()
    if v.endswith("Z") or v.endswith("z"):
        v = v[:-1] + "+00:00"
    frac = False
    # Python 3.11 fromisoformat takes up to 6 fractional digits; trim longer ones.
    if "." in v:
        frac = True
        head, rest = v.split(".", 1)
        digits = ""
        i = 0
        while i < len(rest) and rest[i].isdigit():
            digits += rest[i]
            i += 1
        v = head + "." + (digits[:6].ljust(6, "0")) + rest[i:]
    try:
        return datetime.fromisoformat(v).timestamp(), frac
    except ValueError:
        return None, False


def proposal_body(agent_name: str, tag: str) -> dict:
    """A realistic held proposal: refund over 500, no reference amount, its own subject."""
    return {
        "idempotency_key": f"bench/{tag}/refund/1",
        "agent": agent_name,
        "operation": "refund",
        "confidence": 0.995,
        "amount": 600.00,
        "currency": "USD",
        "subject": f"bench-customer-{tag}",
        "action": f"Refund order B-{tag} in full",
        "reasoning": "The customer received a damaged item and sent photos",
        "impact": "Money leaves the company account",
        "messages": [{"role": "customer", "text": "The blender arrived broken, I would like my money back"}],
        "context": {"order_id": f"B-{tag}"},
        "fallback": "Tell the customer a specialist will follow up within 24 hours",
    }


class Run:
    def __init__(self) -> None:
        self.completed = 0
        self.latencies: list[float] = []
        self.wake_client: list[float] = []
        self.wake_server: list[float] = []
        self.poll_first = 0           # long-poll answer arrived before the decision's response
        self.repolls = 0              # long-polls that ended still pending and were repeated
        self.decided_at_fractional = 0  # decided_at values with sub-second digits
        self.errors = 0
        self.error_samples: list[str] = []

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)


class BenchError(Exception):
    pass


async def read_json(resp: aiohttp.ClientResponse, expect: tuple[int, ...], what: str) -> dict:
    body = await resp.read()
    if resp.status not in expect:
        raise BenchError(f"{what}: HTTP {resp.status}: {body[:300]!r}")
    try:
        return json.loads(body)
    except ValueError as e:
        raise BenchError(f"{what}: not JSON: {body[:300]!r}") from e


async def one_run(args, run_index: int) -> Run:
    run = Run()
    # Agent i talks to bases[i % n] and its approver to deciders[i % m] (another replica, when
    # --approver-url lists them in another order: every wake-up then crosses replicas).
    bases = [u.rstrip("/") for u in args.url.split(",")]
    deciders = [u.rstrip("/") for u in (args.approver_url or args.url).split(",")]
    agent_h = {"Authorization": f"Bearer {args.agent_key}", "Content-Type": "application/json"}
    approver_h = {"Authorization": f"Bearer {args.approver_token}", "Content-Type": "application/json"}
    decision_body = json.dumps({"decision": "approve", "comment": "benchmark"}).encode()

    # Signal "the long-poll request is on the wire" to the approver.
    trace = aiohttp.TraceConfig()

    async def headers_sent(session, ctx, params):
        ev = ctx.trace_request_ctx
        if isinstance(ev, dict) and "sent" in ev:
            ev["sent"].set()

    trace.on_request_headers_sent.append(headers_sent)
    # Agents and approvers use separate connection pools, like separate programs would.
    timeout = aiohttp.ClientTimeout(total=args.wait + 15)
    agent_s = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, force_close=False),
                                    timeout=timeout, trace_configs=[trace])
    approver_s = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout)

    t0 = time.perf_counter()
    start = t0 + args.warmup
    end = start + args.duration
    started = 0
    pid = os.getpid()

    async def decide(approval_id: str, sent: asyncio.Event, box: dict, decider: str) -> None:
        await asyncio.wait_for(sent.wait(), timeout=args.wait)
        async with approver_s.post(f"{decider}/v1/approvals/{approval_id}/decision",
                                   data=decision_body, headers=approver_h) as resp:
            a = await read_json(resp, (200,), "decision")
        box["decision_received"] = time.time()
        if a.get("status") != "approved":
            raise BenchError(f"decision answered status {a.get('status')!r}")

    async def agent(i: int) -> None:
        nonlocal started
        n = 0
        base = bases[i % len(bases)]
        decider_base = deciders[i % len(deciders)]
        while time.perf_counter() < end and started < args.max_round_trips:
            started += 1
            n += 1
            tag = f"{pid}-{run_index}-{i}-{n}"
            t = time.perf_counter()
            try:
                async with agent_s.post(f"{base}/v1/proposals", data=json.dumps(proposal_body(args.agent_name, tag)).encode(),
                                        headers=agent_h) as resp:
                    v = await read_json(resp, (200, 201), "proposal")
                if v.get("level") != "approve" or not isinstance(v.get("approval"), dict):
                    raise BenchError(f"expected level approve with an approval, got {json.dumps(v)[:300]}")
                approval_id = v["approval"]["id"]
                sent = asyncio.Event()
                box: dict = {}
                decider = asyncio.create_task(decide(approval_id, sent, box, decider_base))
                a = None
                try:
                    for attempt in range(args.max_polls):
                        ctx = {"sent": sent}
                        async with agent_s.get(f"{base}/v1/approvals/{approval_id}",
                                               params={"wait": str(args.wait)}, headers=agent_h,
                                               trace_request_ctx=ctx) as resp:
                            a = await read_json(resp, (200,), "long-poll")
                        received = time.time()
                        if a.get("status") != "pending":
                            break
                        run.repolls += 1
                    await decider
                except BaseException:
                    decider.cancel()
                    raise
                if a is None or a.get("status") != "approved":
                    raise BenchError(f"long-poll ended with {json.dumps(a)[:300]}")
                done = time.perf_counter()
                if start <= done <= end:
                    run.completed += 1
                    run.latencies.append(done - t)
                    dr = box.get("decision_received")
                    if dr is not None:
                        run.wake_client.append(received - dr)
                        if received < dr:
                            run.poll_first += 1
                    decided, frac = parse_time(a.get("decided_at"))
                    if decided is not None:
                        run.wake_server.append(received - decided)
                        if frac:
                            run.decided_at_fractional += 1
            except (BenchError, aiohttp.ClientError, asyncio.TimeoutError) as e:
                run.error(f"{type(e).__name__}: {e}")
                if run.errors >= args.max_errors:
                    raise BenchError(f"too many errors; first: {run.error_samples[0]}") from e
                await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(asyncio.gather(*(agent(i) for i in range(args.agents))),
                               timeout=args.warmup + args.duration + args.wait + 30)
    finally:
        await agent_s.close()
        await approver_s.close()
    return run


def ms(v: float) -> str:
    return f"{v * 1000:8.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", default="http://127.0.0.1:18080", help="the agents' server; a comma-separated list spreads them")
    ap.add_argument("--approver-url", default=None, help="where decisions go (default --url); a comma-separated list, by agent")
    ap.add_argument("--agents", type=int, default=32)
    ap.add_argument("--duration", type=float, default=20.0, help="measured seconds per run")
    ap.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--wait", type=int, default=30, help="long-poll wait in seconds")
    ap.add_argument("--max-polls", type=int, default=3, help="long-polls per approval before giving up")
    ap.add_argument("--max-round-trips", type=int, default=2_000_000, help="upper bound on round trips started per run")
    ap.add_argument("--max-errors", type=int, default=100, help="stop the run after this many errors")
    ap.add_argument("--agent-key", default=os.environ.get("COUNTERSIGN_AGENT_KEY"))
    ap.add_argument("--approver-token", default=os.environ.get("COUNTERSIGN_APPROVER_TOKEN"))
    ap.add_argument("--agent-name", default=os.environ.get("COUNTERSIGN_AGENT_NAME", "trial-agent"))
    ap.add_argument("--json", action="store_true", help="also print one JSON summary line at the end")
    args = ap.parse_args()

    for u in (args.url + "," + (args.approver_url or "")).split(","):
        host = urlparse(u).hostname if u else "127.0.0.1"
        if host not in LOOPBACK:
            ap.error(f"--url must point at 127.0.0.1 or localhost, not {host!r}")
    if not args.agent_key or not args.approver_token:
        ap.error("need --agent-key and --approver-token (or COUNTERSIGN_AGENT_KEY / COUNTERSIGN_APPROVER_TOKEN)")

    try:
        import uvloop  # optional, faster client
        uvloop.install()
        loop_name = "uvloop"
    except ImportError:
        loop_name = "asyncio"

    rates: list[float] = []
    lat: list[float] = []
    wake_c: list[float] = []
    wake_s: list[float] = []
    errors = poll_first = repolls = 0
    fractional = 0
    for r in range(args.runs):
        run = asyncio.run(one_run(args, r))
        rate = run.completed / args.duration
        rates.append(rate)
        lat += run.latencies
        wake_c += run.wake_client
        wake_s += run.wake_server
        errors += run.errors
        poll_first += run.poll_first
        repolls += run.repolls
        fractional += run.decided_at_fractional
        print(f"  countersign run {r + 1}: {run.completed} round trips in {args.duration:.0f} s = {rate:8.1f}/s  "
              f"p50 {ms(percentile(run.latencies, 50))}  p99 {ms(percentile(run.latencies, 99))}  "
              f"wake p50 {ms(percentile(run.wake_client, 50))}  errors {run.errors}", flush=True)
        for e in run.error_samples:
            print(f"    error: {e}", file=sys.stderr)

    median_rate = statistics.median(rates) if rates else 0.0
    summary = {
        "bench": "countersign", "agents": args.agents, "duration_s": args.duration, "runs": args.runs,
        "client_loop": loop_name, "rates": rates, "median_rate": median_rate,
        "p50_ms": percentile(lat, 50) * 1000, "p99_ms": percentile(lat, 99) * 1000,
        "wake_client_p50_ms": percentile(wake_c, 50) * 1000, "wake_client_p99_ms": percentile(wake_c, 99) * 1000,
        "wake_server_p50_ms": percentile(wake_s, 50) * 1000, "wake_server_p99_ms": percentile(wake_s, 99) * 1000,
        # A formatter may drop ".000"; call the clock coarse only when most values lack sub-seconds.
        "decided_at_has_subseconds": bool(wake_s) and fractional >= len(wake_s) / 2,
        "poll_answer_before_decision_answer": poll_first, "repolls": repolls, "errors": errors,
    }
    print(f"countersign ({args.agents} agents, client {loop_name}): median {median_rate:.1f} round trips/s over "
          f"{args.runs} runs; round trip p50 {summary['p50_ms']:.2f} ms, p99 {summary['p99_ms']:.2f} ms")
    print(f"  wake-up, decision answer -> long-poll answer: p50 {summary['wake_client_p50_ms']:.2f} ms, "
          f"p99 {summary['wake_client_p99_ms']:.2f} ms ({poll_first} of {len(wake_c)} long-poll answers came first)")
    note = "" if summary["decided_at_has_subseconds"] else " (decided_at has no sub-second digits: coarse)"
    print(f"  wake-up, decided_at -> long-poll answer: p50 {summary['wake_server_p50_ms']:.2f} ms, "
          f"p99 {summary['wake_server_p99_ms']:.2f} ms{note}")
    print(f"  long-polls repeated: {repolls}; errors: {errors}")
    if args.json:
        print(json.dumps(summary))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
