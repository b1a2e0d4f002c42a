#!/usr/bin/env python3
"""The Python client's cost, against the real gateway (loopback only).

1. Overhead per gated call: a guarded function at the `auto` level (propose + report the outcome:
   two requests) against the same two requests sent with raw httpx (a prebuilt body, one
   httpx.Client), sequentially, interleaved in blocks; the medians per call and their difference.
2. Round trips/s from N concurrent Python agents (AsyncCountersign), the workload of
   Benchmarks/gateway/roundtrip.py: propose a held refund, long-poll it with `wait`, an approver
   (one task per agent) approves it as soon as the agent is waiting; a round trip ends when the
   agent's wait returns `approved`. Also the full `guard` (propose, wait, consume, run, outcome)
   with one approver loop approving the queue.

    COUNTERSIGN_BIN=.build/release/countersign clients/.venv/bin/python Benchmarks/clients/bench.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients/python/tests"))
from gateway import AGENT, Gateway  # noqa: E402

import countersign  # noqa: E402


def overhead(gateway: Gateway, calls: int, block: int) -> dict:
    cs = countersign.Countersign(gateway.url, key=gateway.agent_key, agent=AGENT)
    raw = httpx.Client(base_url=gateway.url, headers={"Authorization": f"Bearer {gateway.agent_key}"})
    run = uuid.uuid4().hex[:8]

    @cs.guard(operation="lookup_order", confidence=0.9, action="Look up order {order}")
    def lookup(order: str) -> str:
        return order

    def raw_call(index: int) -> None:
        body = {"idempotency_key": f"raw/{run}/{index}", "agent": AGENT, "operation": "lookup_order", "confidence": 0.9,
                "action": f"Look up order R-{run}-{index}"}
        verdict = raw.post("/v1/proposals", json=body)
        verdict.raise_for_status()
        raw.post(f"/v1/proposals/{verdict.json()['proposal_id']}/outcome", json={"outcome": "succeeded"}).raise_for_status()

    client_times, raw_times = [], []
    for index in range(20):  # warm both connection pools
        lookup(f"warm-{run}-{index}")
        raw_call(-index - 1)
    for start in range(0, calls, block):
        for index in range(start, min(start + block, calls)):
            begin = time.perf_counter()
            lookup(f"C-{run}-{index}")
            client_times.append(time.perf_counter() - begin)
        for index in range(start, min(start + block, calls)):
            begin = time.perf_counter()
            raw_call(index)
            raw_times.append(time.perf_counter() - begin)
    cs.close()
    raw.close()
    client_ms, raw_ms = statistics.median(client_times) * 1000, statistics.median(raw_times) * 1000
    return {"calls": calls, "guard_median_ms": round(client_ms, 3), "raw_httpx_median_ms": round(raw_ms, 3),
            "overhead_ms": round(client_ms - raw_ms, 3)}


async def round_trips(gateway: Gateway, agents: int, seconds: float, use_guard: bool) -> dict:
    acs = countersign.AsyncCountersign(gateway.url, key=gateway.agent_key, agent=AGENT)
    approver = httpx.AsyncClient(base_url=gateway.url, headers={"Authorization": f"Bearer {gateway.approver_token}"},
                                 limits=httpx.Limits(max_connections=agents + 4))
    run = uuid.uuid4().hex[:8]
    latencies: list = []
    stop_at = time.perf_counter() + seconds
    done = asyncio.Event()

    async def approve(approval_id: str) -> None:
        await asyncio.sleep(0)
        (await approver.post(f"/v1/approvals/{approval_id}/decision", json={"decision": "approve"})).raise_for_status()

    async def client_agent(number: int) -> None:
        count = 0
        while time.perf_counter() < stop_at:
            count += 1
            begin = time.perf_counter()
            verdict = await acs.propose("refund", 0.99, f"Refund order B-{run}-{number}-{count}", amount="600.00",
                                        idempotency_key=f"bench/{run}/{number}/{count}", subject=f"s-{run}-{number}-{count}")
            decision = asyncio.ensure_future(approve(verdict.approval.id))
            approval = await acs.wait(verdict.approval.id, timeout=30)
            await decision
            assert approval.status is countersign.ApprovalStatus.APPROVED
            latencies.append(time.perf_counter() - begin)

    guarded_refund = acs.guard(operation="refund", confidence=0.99, action="Refund order {order}", amount="600.00",
                               subject=lambda order: "s-" + order, wait=30)

    @guarded_refund
    async def refund(order: str) -> str:
        return order

    async def guard_agent(number: int) -> None:
        count = 0
        while time.perf_counter() < stop_at:
            count += 1
            begin = time.perf_counter()
            await refund(f"G-{run}-{number}-{count}")
            latencies.append(time.perf_counter() - begin)

    async def approver_loop() -> None:
        seen: set = set()
        while not done.is_set():
            page = (await approver.get("/v1/approvals", params={"status": "pending", "limit": 200})).json()["items"]
            fresh = [item["id"] for item in page if item["id"] not in seen and run in item["proposal"]["action"]]
            seen.update(fresh)
            await asyncio.gather(*(approve(approval_id) for approval_id in fresh))
            if not fresh:
                await asyncio.sleep(0.001)

    loop_task = asyncio.ensure_future(approver_loop()) if use_guard else None
    began = time.perf_counter()
    await asyncio.gather(*((guard_agent if use_guard else client_agent)(n) for n in range(agents)))
    elapsed = time.perf_counter() - began
    done.set()
    if loop_task:
        await loop_task
    await acs.aclose()
    await approver.aclose()
    latencies.sort()
    return {"agents": agents, "seconds": round(elapsed, 2), "round_trips": len(latencies),
            "per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1), "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--block", type=int, default=50)
    parser.add_argument("--agents", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", action="store_true",
                        help="also run Benchmarks/gateway/roundtrip.py (raw aiohttp, needs aiohttp) on the same server, same workload")
    arguments = parser.parse_args()
    gateway = Gateway().start()
    try:
        result = {"overhead": overhead(gateway, arguments.calls, arguments.block)}
        print("overhead per gated call:", result["overhead"], flush=True)
        for name, use_guard in (("client", False), ("guard", True)):
            runs = [asyncio.run(round_trips(gateway, arguments.agents, arguments.seconds, use_guard)) for _ in range(arguments.runs)]
            for item in runs:
                print(f"round trips ({name}):", item, flush=True)
            result[f"round_trips_{name}_median_per_second"] = statistics.median(item["per_second"] for item in runs)
            result[f"round_trips_{name}_runs"] = runs
        if arguments.baseline:
            script = Path(__file__).resolve().parents[1] / "gateway/roundtrip.py"
            baseline = subprocess.run(
                [sys.executable, str(script), "--url", gateway.url, "--agent-key", gateway.agent_key, "--approver-token",
                 gateway.approver_token, "--agent-name", AGENT, "--agents", str(arguments.agents), "--duration",
                 str(arguments.seconds), "--runs", str(arguments.runs), "--json"], capture_output=True, text=True, check=True)
            print(baseline.stdout.strip().splitlines()[-1] if baseline.stdout.strip() else baseline.stderr[-500:], flush=True)
            result["baseline_aiohttp"] = json.loads(baseline.stdout.strip().splitlines()[-1])
        print("summary:", json.dumps({key: value for key, value in result.items() if not key.endswith("_runs")}))
    finally:
        gateway.stop()


if __name__ == "__main__":
    main()
