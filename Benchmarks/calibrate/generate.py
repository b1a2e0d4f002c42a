#!/usr/bin/env python3
"""Generate a decision history for `countersign calibrate` / `replay` (stdlib only).

    python3 generate.py --count 10000000 --seed 1 --out history.jsonl
    python3 generate.py --count 100000 --format csv --out history.csv

Each row is a past proposal (CONTRACT.md section 3) plus the human decision
("approved": true|false) and, for some executed ones, an "outcome". The
calibration is known by construction: for operation OP with confidence c, a
human approves with probability q_OP(c):

    lookup_order    q = c                (well calibrated)
    update_address  q = c ** 0.5         (underconfident)
    cancel_order    q = c ** 2           (overconfident)
    refund          q = c ** 4           (badly overconfident)
    send_voucher    q = 0.5              (confidence carries no information; 2% of rows)

Confidence is drawn from Beta(5, 1.5) (skewed high, like real agents) and
written with 4 decimals, so ties happen. With --bad-rate, that share of rows
is spoiled (not JSON, confidence 1.7, missing "approved") to exercise the
bad-row path. The same seed always gives the same file.
"""

import argparse
import random
import sys

OPERATIONS = (("lookup_order", 35), ("update_address", 15), ("cancel_order", 20), ("refund", 28), ("send_voucher", 2))
AGENTS = ("support-bot", "billing-bot", "returns-bot", "shipping-bot")


def approval_probability(operation, c):
    if operation == "lookup_order":
        return c
    if operation == "update_address":
        return c ** 0.5
    if operation == "cancel_order":
        return c * c
    if operation == "refund":
        return c ** 4
    return 0.5


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--bad-rate", type=float, default=0.0)
    parser.add_argument("--out", default="-")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    names = [name for name, weight in OPERATIONS for _ in range(weight)]
    out = sys.stdout if args.out == "-" else open(args.out, "w", buffering=1 << 20)
    csv = args.format == "csv"
    if csv:
        out.write("agent,operation,confidence,action,amount,subject,at,approved,outcome\n")
    chunk = []
    seconds = 0
    for index in range(args.count):
        operation = names[int(rng.random() * len(names))]
        c = round(rng.betavariate(5, 1.5), 4)
        approved = rng.random() < approval_probability(operation, c)
        agent = AGENTS[index % 4]
        seconds += 1 + (index % 5)
        day, rest = divmod(seconds, 86400)
        at = "2026-%02d-%02dT%02d:%02d:%02dZ" % (1 + (day // 28) % 12, 1 + day % 28, rest // 3600, rest % 3600 // 60, rest % 60)
        amount = "%d.%02d" % (rng.randrange(5, 400), rng.randrange(100)) if operation in ("refund", "cancel_order") else ""
        subject = "customer-%d" % rng.randrange(200000)
        outcome = ""
        if approved and rng.random() < 0.2:
            outcome = "erroneous" if rng.random() < 0.02 else "succeeded"
        if csv:
            line = "%s,%s,%s,%s %s,%s,%s,%s,%s,%s\n" % (
                agent, operation, c, operation.replace("_", " ").capitalize(), index, amount, subject, at,
                "true" if approved else "false", outcome)
        else:
            parts = ['{"agent":"%s","operation":"%s","confidence":%s,"action":"%s for ticket T-%d"' % (
                agent, operation, c, operation.replace("_", " ").capitalize(), index)]
            if amount:
                parts.append(',"amount":"%s","currency":"USD"' % amount)
            parts.append(',"subject":"%s","at":"%s","approved":%s' % (subject, at, "true" if approved else "false"))
            if outcome:
                parts.append(',"outcome":"%s"' % outcome)
            parts.append("}\n")
            line = "".join(parts)
        if args.bad_rate and rng.random() < args.bad_rate:
            kind = rng.randrange(3)
            if kind == 0:
                line = line[: len(line) // 2] + "\n"
            elif kind == 1:
                line = line.replace(str(c), "1.7", 1)
            else:
                line = line.replace("true", "maybe", 1).replace("false", "maybe", 1)
        chunk.append(line)
        if len(chunk) >= 10000:
            out.write("".join(chunk))
            chunk.clear()
    out.write("".join(chunk))
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
