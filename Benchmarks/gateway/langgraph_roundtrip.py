#!/usr/bin/env python3
"""Approval round trips with LangGraph's interrupt/resume and its SQLite checkpointer.

The same workload as roundtrip.py, done the LangGraph way: a graph whose
`approval` node calls `interrupt(...)`. Each of N concurrent agents loops:

  1. invoke the graph on a fresh thread_id until it stops at the interrupt
     (the proposal is held; the checkpoint is on disk);
  2. resume it with Command(resume="approve") (the approver's decision) and run
     it to completion (the agent learns the answer and executes).

One round trip = 1 + 2. The checkpointer is a SQLite *file* (WAL, as the saver
sets it up), as a real deployment would use, in a fresh temporary folder.
Everything runs in this one process (no HTTP in between), which is the most
favourable setting LangGraph can have.

Prints a human summary; with --json also one JSON object on the last line.
Requires `langgraph` and `langgraph-checkpoint-sqlite` (see run.sh / README.md).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from typing import TypedDict

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt


class State(TypedDict, total=False):
    operation: str
    amount: float
    decision: str
    executed: bool


def propose(state: State) -> State:
    # The agent's proposal: a refund over 500, which needs a human.
    return {"operation": "refund", "amount": state.get("amount", 600.0)}


def approval(state: State) -> State:
    decision = interrupt({"operation": state["operation"], "amount": state["amount"],
                          "question": "approve this refund?"})
    return {"decision": decision}


def execute(state: State) -> State:
    return {"executed": state.get("decision") == "approve"}


def build_graph():
    g = StateGraph(State)
    g.add_node("propose", propose)
    g.add_node("approval", approval)
    g.add_node("execute", execute)
    g.add_edge(START, "propose")
    g.add_edge("propose", "approval")
    g.add_edge("approval", "execute")
    g.add_edge("execute", END)
    return g


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


class Run:
    def __init__(self) -> None:
        self.completed = 0          # round trips finished inside the measured window
        self.latencies: list[float] = []  # seconds, round trips finished inside the window
        self.errors = 0
        self.error_samples: list[str] = []

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what)


# --------------------------------------------------------------------------- async


async def run_async(db_path: str, agents: int, duration: float, warmup: float,
                    durability: str | None, max_round_trips: int) -> Run:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    run = Run()
    async with AsyncSqliteSaver.from_conn_string(db_path) as saver:
        graph = build_graph().compile(checkpointer=saver)
        kwargs = {"durability": durability} if durability else {}
        t0 = time.perf_counter()
        start = t0 + warmup
        end = start + duration
        started = 0

        async def agent(i: int) -> None:
            nonlocal started
            n = 0
            while time.perf_counter() < end and started < max_round_trips:
                started += 1
                n += 1
                config = {"configurable": {"thread_id": f"agent-{i}-{n}-{os.getpid()}"}}
                t = time.perf_counter()
                try:
                    out = await graph.ainvoke({"amount": 600.0}, config, **kwargs)
                    if "__interrupt__" not in out:
                        run.error(f"no interrupt: {out!r}")
                        continue
                    out = await graph.ainvoke(Command(resume="approve"), config, **kwargs)
                    if not out.get("executed"):
                        run.error(f"not executed: {out!r}")
                        continue
                except Exception as e:  # noqa: BLE001 - counted and shown
                    run.error(repr(e))
                    continue
                done = time.perf_counter()
                if start <= done <= end:
                    run.completed += 1
                    run.latencies.append(done - t)

        await asyncio.wait_for(asyncio.gather(*(agent(i) for i in range(agents))),
                               timeout=warmup + duration + 60)
    return run


# --------------------------------------------------------------------------- threads


def run_threads(db_path: str, agents: int, duration: float, warmup: float,
                durability: str | None, max_round_trips: int) -> Run:
    from langgraph.checkpoint.sqlite import SqliteSaver

    run = Run()
    lock = threading.Lock()
    with SqliteSaver.from_conn_string(db_path) as saver:
        graph = build_graph().compile(checkpointer=saver)
        kwargs = {"durability": durability} if durability else {}
        t0 = time.perf_counter()
        start = t0 + warmup
        end = start + duration
        started = [0]

        def agent(i: int) -> None:
            n = 0
            while time.perf_counter() < end:
                with lock:
                    if started[0] >= max_round_trips:
                        return
                    started[0] += 1
                n += 1
                config = {"configurable": {"thread_id": f"agent-{i}-{n}-{os.getpid()}"}}
                t = time.perf_counter()
                try:
                    out = graph.invoke({"amount": 600.0}, config, **kwargs)
                    if "__interrupt__" not in out:
                        with lock:
                            run.error(f"no interrupt: {out!r}")
                        continue
                    out = graph.invoke(Command(resume="approve"), config, **kwargs)
                    if not out.get("executed"):
                        with lock:
                            run.error(f"not executed: {out!r}")
                        continue
                except Exception as e:  # noqa: BLE001
                    with lock:
                        run.error(repr(e))
                    continue
                done = time.perf_counter()
                if start <= done <= end:
                    with lock:
                        run.completed += 1
                        run.latencies.append(done - t)

        threads = [threading.Thread(target=agent, args=(i,), daemon=True) for i in range(agents)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=warmup + duration + 60)
    return run


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=32)
    ap.add_argument("--duration", type=float, default=20.0, help="measured seconds per run")
    ap.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mode", choices=["async", "threads"], default="async",
                    help="async: AsyncSqliteSaver + asyncio tasks; threads: SqliteSaver + OS threads")
    ap.add_argument("--durability", choices=["sync", "async", "exit"], default=None,
                    help="LangGraph's durability mode (default: LangGraph's own default, 'async')")
    ap.add_argument("--max-round-trips", type=int, default=1_000_000,
                    help="upper bound on round trips started per run")
    ap.add_argument("--dir", default=None, help="folder for the checkpoint files (default: a temp folder, removed)")
    ap.add_argument("--json", action="store_true", help="also print one JSON summary line at the end")
    args = ap.parse_args()

    loop_name = "asyncio"
    if args.mode == "async":
        try:
            import uvloop  # the same event loop roundtrip.py uses, when installed
            uvloop.install()
            loop_name = "uvloop"
        except ImportError:
            pass

    base = args.dir or tempfile.mkdtemp(prefix="lg-roundtrip-")
    os.makedirs(base, exist_ok=True)
    rates: list[float] = []
    all_lat: list[float] = []
    errors = 0
    db_bytes: list[int] = []
    try:
        for r in range(args.runs):
            db_path = os.path.join(base, f"checkpoints-{r}.sqlite")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db_path + suffix):
                    os.remove(db_path + suffix)
            if args.mode == "async":
                run = asyncio.run(run_async(db_path, args.agents, args.duration, args.warmup,
                                            args.durability, args.max_round_trips))
            else:
                run = run_threads(db_path, args.agents, args.duration, args.warmup,
                                  args.durability, args.max_round_trips)
            rate = run.completed / args.duration
            rates.append(rate)
            all_lat.extend(run.latencies)
            errors += run.errors
            size = sum(os.path.getsize(db_path + s) for s in ("", "-wal") if os.path.exists(db_path + s))
            db_bytes.append(size)
            print(f"  langgraph run {r + 1}: {run.completed} round trips in {args.duration:.0f} s = "
                  f"{rate:8.1f}/s  p50 {percentile(run.latencies, 50) * 1000:7.1f} ms  "
                  f"p99 {percentile(run.latencies, 99) * 1000:7.1f} ms  errors {run.errors}", flush=True)
            for e in run.error_samples:
                print(f"    error: {e}", file=sys.stderr)
    finally:
        if args.dir is None:
            shutil.rmtree(base, ignore_errors=True)

    median_rate = statistics.median(rates) if rates else 0.0
    p50 = percentile(all_lat, 50) * 1000
    p99 = percentile(all_lat, 99) * 1000
    print(f"langgraph ({args.mode}{'/' + loop_name if args.mode == 'async' else ''}, durability={args.durability or 'default'}, {args.agents} agents): "
          f"median {median_rate:.1f} round trips/s over {args.runs} runs; latency p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms; errors {errors}")
    if args.json:
        print(json.dumps({"bench": "langgraph", "mode": args.mode, "loop": loop_name if args.mode == "async" else "threads", "durability": args.durability or "default",
                          "agents": args.agents, "duration_s": args.duration, "runs": args.runs,
                          "rates": rates, "median_rate": median_rate, "p50_ms": p50, "p99_ms": p99,
                          "errors": errors, "db_bytes": db_bytes}))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
