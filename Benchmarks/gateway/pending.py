#!/usr/bin/env python3
"""Creates N pending approvals on a running Countersign server, or measures a SQLite file.

  pending.py create --url http://127.0.0.1:18080 --count 10000
      POSTs N held proposals (the same refund as roundtrip.py, each with its own
      subject and idempotency key) with 32 concurrent clients, and checks every
      verdict is `approve` with a pending approval.

  pending.py size --db /tmp/x.db
      Checkpoints and truncates the WAL (the server must be stopped), then prints
      the database's size in bytes: the main file plus whatever -wal is left.

run.sh measures `size` before and after `create` and divides the growth by N.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import time
from urllib.parse import urlparse

import aiohttp

from roundtrip import LOOPBACK, proposal_body


async def create(args) -> int:
    base = args.url.rstrip("/")
    h = {"Authorization": f"Bearer {args.agent_key}", "Content-Type": "application/json"}
    next_i = 0
    made = 0
    errors: list[str] = []
    body_bytes = len(json.dumps(proposal_body(args.agent_name, f"{os.getpid()}-size-0")).encode())
    deadline = time.perf_counter() + args.timeout

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                     timeout=aiohttp.ClientTimeout(total=30)) as s:
        async def worker() -> None:
            nonlocal next_i, made
            while next_i < args.count and not errors and time.perf_counter() < deadline:
                next_i += 1
                tag = f"{os.getpid()}-pending-{next_i}"
                try:
                    async with s.post(f"{base}/v1/proposals", headers=h,
                                      data=json.dumps(proposal_body(args.agent_name, tag)).encode()) as r:
                        raw = await r.read()
                        if r.status not in (200, 201):
                            errors.append(f"HTTP {r.status}: {raw[:300]!r}")
                            return
                        v = json.loads(raw)
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as e:
                    errors.append(f"{type(e).__name__}: {e}")
                    return
                a = v.get("approval") or {}
                if v.get("level") != "approve" or a.get("status") != "pending":
                    errors.append(f"expected a pending approval, got {json.dumps(v)[:300]}")
                    return
                made += 1

        t = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - t
    print(f"created {made} pending approvals in {elapsed:.1f} s ({made / elapsed:.0f}/s); "
          f"request body {body_bytes} bytes each")
    if args.json:
        print(json.dumps({"created": made, "seconds": elapsed, "body_bytes": body_bytes}))
    if errors:
        print(f"error: {errors[0]}", file=sys.stderr)
        return 1
    return 0 if made == args.count else 1


def size(args) -> int:
    path = args.db
    if not os.path.exists(path):
        print(f"error: no database at {path}", file=sys.stderr)
        return 1
    con = sqlite3.connect(path, timeout=10)
    try:
        busy, log, ckpt = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
    finally:
        con.close()
    total = sum(os.path.getsize(path + s) for s in ("", "-wal") if os.path.exists(path + s))
    if args.json:
        print(json.dumps({"bytes": total, "pages": pages, "page_size": page_size, "free_pages": free,
                          "checkpoint_busy": busy}))
    else:
        print(total)
    return 0 if busy == 0 else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("create")
    c.add_argument("--url", default="http://127.0.0.1:18080")
    c.add_argument("--count", type=int, default=10_000)
    c.add_argument("--concurrency", type=int, default=32)
    c.add_argument("--timeout", type=float, default=300.0, help="give up after this many seconds")
    c.add_argument("--agent-key", default=os.environ.get("COUNTERSIGN_AGENT_KEY"))
    c.add_argument("--agent-name", default=os.environ.get("COUNTERSIGN_AGENT_NAME", "trial-agent"))
    c.add_argument("--json", action="store_true")
    z = sub.add_parser("size")
    z.add_argument("--db", required=True)
    z.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.cmd == "create":
        if urlparse(args.url).hostname not in LOOPBACK:
            ap.error("--url must point at 127.0.0.1 or localhost")
        if not args.agent_key:
            ap.error("need --agent-key or COUNTERSIGN_AGENT_KEY")
        return asyncio.run(create(args))
    return size(args)


if __name__ == "__main__":
    sys.exit(main())
