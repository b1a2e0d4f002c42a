#!/usr/bin/env bash
# Gateway benchmarks: durable approval round trips (Countersign vs. LangGraph's
# interrupt/resume on its SQLite checkpointer), AUTO-path throughput with wrk,
# and disk per pending approval. See README.md beside this file.
#
#   Benchmarks/gateway/run.sh
#
# Environment (all optional):
#   COUNTERSIGN    the server binary (default .build/release/countersign; built if missing)
#   PORT           loopback port for the server (default 18080)
#   AGENTS         concurrent agents in the round-trip benchmarks (default 32)
#   DURATION       measured seconds per round-trip run (default 20)
#   RUNS           round-trip runs of each system; the median is reported (default 3)
#   LG_MODES       LangGraph variants: "async" (AsyncSqliteSaver), "threads" (SqliteSaver) (default "async threads")
#   WRK_DURATION   seconds per wrk run (default 15)
#   WRK_RUNS       wrk runs of each endpoint, alternating; the median is reported (default 3)
#   PENDING        pending approvals created for the disk figure (default 10000)
#   RT_CLIENT      the round-trip load generator: "swift" (countersign-roundtrip, SwiftNIO; default)
#                  or "python" (roundtrip.py, aiohttp); same workload and output
#   ONLY           a subset of: roundtrip langgraph auto disk (default: all four)
#   RESULTS        also write the summary as JSON to this file
#   KEEP_TMP=1     keep the temporary folder (databases, server logs, raw outputs)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${COUNTERSIGN:-$root/.build/release/countersign}"
port="${PORT:-18080}"
agents="${AGENTS:-32}"
duration="${DURATION:-20}"
runs="${RUNS:-3}"
lg_modes="${LG_MODES:-async threads}"
wrk_duration="${WRK_DURATION:-15}"
wrk_runs="${WRK_RUNS:-3}"
pending="${PENDING:-10000}"
only="${ONLY:-roundtrip langgraph auto disk}"
rt_client="${RT_CLIENT:-swift}"
rt_bin="$root/Benchmarks/.build/release/countersign-roundtrip"
url="http://127.0.0.1:$port"
venv="$here/.venv"
py="$venv/bin/python"

wants() { [[ " $only " == *" $1 "* ]]; }

# --- prerequisites -----------------------------------------------------------
if [[ ! -x "$bin" ]]; then
    echo "== building $bin (swift build -c release --product countersign)"
    (cd "$root" && swift build -c release --product countersign)
fi
if wants roundtrip && [[ "$rt_client" == swift && ! -x "$rt_bin" ]]; then
    echo "== building $rt_bin (cd Benchmarks && swift build -c release --product countersign-roundtrip)"
    (cd "$root/Benchmarks" && swift build -c release --product countersign-roundtrip)
fi
if [[ ! -x "$py" ]] || ! "$py" -c 'import aiohttp, langgraph.checkpoint.sqlite.aio' 2> /dev/null; then
    echo "== creating $venv"
    python3 -m venv "$venv"
    timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
if wants auto && ! command -v wrk > /dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
        echo "== installing wrk"
        apt-get install -y wrk > /dev/null 2>&1 || { apt-get update > /dev/null && apt-get install -y wrk > /dev/null; }
    else
        echo "wrk is not installed (apt-get install -y wrk); skipping the AUTO-path figure" >&2
        only="${only//auto/}"
    fi
fi
if curl -s -o /dev/null --max-time 1 "$url/healthz"; then
    echo "error: something already answers on $url; set PORT to a free port" >&2
    exit 1
fi

tmp="$(mktemp -d /tmp/countersign-gateway-bench.XXXXXX)"
server_pid=""

stop_server() {
    [[ -n "$server_pid" ]] || return 0
    kill -TERM "$server_pid" 2> /dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do # up to 30 s for a graceful stop
        kill -0 "$server_pid" 2> /dev/null || break
        sleep 0.1
    done
    if kill -0 "$server_pid" 2> /dev/null; then
        echo "server $server_pid did not stop in 30 s; killing it" >&2
        kill -KILL "$server_pid" 2> /dev/null || true
    fi
    wait "$server_pid" 2> /dev/null || true
    server_pid=""
}

cleanup() {
    stop_server
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then
        echo "(kept $tmp)"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server DB NAME: starts a server on DB, waits for /healthz, sets server_pid.
start_server() {
    local db="$1" name="$2" i
    # A trial server (its printed credentials), without the per-agent quota and rate a load test would hit.
    printf 'agent_limits: {max_pending: unlimited, rate: unlimited}\n' > "$tmp/limits.yaml"
    "$bin" serve --config "$tmp/limits.yaml" --db "$db" --host 127.0.0.1 --port "$port" > "$tmp/$name.out" 2> "$tmp/$name.err" &
    server_pid=$!
    for ((i = 0; i < 600; i++)); do # up to 60 s
        if curl -s -o /dev/null --max-time 1 "$url/healthz"; then return 0; fi
        if ! kill -0 "$server_pid" 2> /dev/null; then
            echo "error: the server exited at start; its output:" >&2
            cat "$tmp/$name.out" "$tmp/$name.err" >&2
            wait "$server_pid" 2> /dev/null || true
            server_pid=""
            exit 1
        fi
        sleep 0.1
    done
    echo "error: the server did not answer /healthz within 60 s" >&2
    exit 1
}

# read_credentials NAME: the trial agent key, its name and the approver token from the server's first output.
read_credentials() {
    local out="$tmp/$1.out" line
    line="$(grep -m1 -E 'agent key' "$out" || true)"
    COUNTERSIGN_AGENT_KEY="$(sed -E 's/.*agent key[^:]*:[[:space:]]*([^[:space:]]+).*/\1/' <<< "$line")"
    COUNTERSIGN_AGENT_NAME="$(sed -nE 's/.*agent key \(([^)]+)\).*/\1/p' <<< "$line")"
    line="$(grep -m1 -E 'approver token' "$out" || true)"
    COUNTERSIGN_APPROVER_TOKEN="$(sed -E 's/.*approver token[^:]*:[[:space:]]*([^[:space:]]+).*/\1/' <<< "$line")"
    if [[ -z "$COUNTERSIGN_AGENT_KEY" || -z "$COUNTERSIGN_APPROVER_TOKEN" ]]; then
        echo "error: no agent key / approver token in the server's output:" >&2
        cat "$out" >&2
        exit 1
    fi
    export COUNTERSIGN_AGENT_KEY COUNTERSIGN_APPROVER_TOKEN
    export COUNTERSIGN_AGENT_NAME="${COUNTERSIGN_AGENT_NAME:-trial-agent}"
}

# cpu_busy: percent of all cores busy over one second, from /proc/stat (other load skews every figure).
cpu_busy() {
    local a b
    a=($(head -n 1 /proc/stat))
    sleep 1
    b=($(head -n 1 /proc/stat))
    awk -v u1="$((a[1] + a[2] + a[3] + a[6] + a[7] + a[8]))" -v t1="$((a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7] + a[8]))" \
        -v u2="$((b[1] + b[2] + b[3] + b[6] + b[7] + b[8]))" -v t2="$((b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + b[7] + b[8]))" \
        'BEGIN { printf "%.0f", (t2 > t1) ? 100 * (u2 - u1) / (t2 - t1) : 0 }'
}
# Other load during a step: the CPU time the machine spent in user, nice and system, less what
# the server and this script's finished children (the load generators) spent, as a share of all cores.
ticks_total() { awk '/^cpu / { print $2 + $3 + $4; exit }' /proc/stat; }
ticks_server() { if [[ -n "$server_pid" && -r /proc/$server_pid/stat ]]; then sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{ print $12 + $13 }'; else echo 0; fi; }
# `times` must run in this shell (a subshell has no finished children): it writes to a file first.
ticks_children() { awk 'NR == 2 { t = 0; for (i = 1; i <= NF; i++) { f = $i; sub(/s$/, "", f); split(f, p, "m"); t += p[1] * 60 + p[2] } printf "%.0f", t * 100 }' "$tmp/times"; }
step_begin() {
    times > "$tmp/times"
    step_t0=$(ticks_total) step_s0=$(ticks_server) step_c0=$(ticks_children) step_w0=$(date +%s.%N)
}
# step_end NAME: prints the other processes' share of the machine during the step; warns over 10%.
step_end() {
    local t1 s1 c1 w1 other
    times > "$tmp/times"
    t1=$(ticks_total) s1=$(ticks_server) c1=$(ticks_children) w1=$(date +%s.%N)
    other=$(awk -v t="$((t1 - step_t0))" -v s="$((s1 - step_s0))" -v c="$((c1 - step_c0))" -v w0="$step_w0" -v w1="$w1" -v n="$(nproc)" \
        'BEGIN { o = 100 * (t - s - c) / ((w1 - w0) * 100 * n); if (o < 0) o = 0; printf "%.0f", o }')
    echo "$1 $other" >> "$tmp/other-load"
    if ((other > 10)); then
        echo "  WARNING: other processes used ${other}% of the machine during this step; its figures are skewed" >&2
    else
        echo "  (other processes used ${other}% of the machine during this step)"
    fi
}

# cpu_split: the server's CPU ticks so far as "total writer handlers loops". The total is the
# process's (it keeps the time of threads that have ended); the parts are its live threads by name:
# dispatch's overcommit threads (GRDB's serial write queue: SQLite, the audit hash, the commit's
# writes and fsync), Swift's cooperative pool (the HTTP handlers), and the NIO event loops.
cpu_split() {
    local t
    {
        echo "total $(ticks_server)"
        for t in /proc/"$server_pid"/task/*; do
            [[ -r "$t/stat" ]] || continue
            printf '%s %s\n' "$(tr ' ' '_' < "$t/comm" 2> /dev/null)" "$(sed 's/^.*) //' "$t/stat" 2> /dev/null | awk '{ print $12 + $13 }')"
        done
    } | awk '$1 == "total" { total = $2; next }
        { k = ($1 ~ /overcommit/) ? "writer" : ($1 ~ /^NIO-/) ? "loops" : ($1 ~ /default-qos/) ? "handlers" : "other"; a[k] += $2 }
        END { printf "%d %d %d %d\n", total, a["writer"], a["handlers"], a["loops"] }'
}
# cpu_per_request BEFORE AFTER WRK_OUTPUT: microseconds of server CPU per request, "total writer handlers loops".
cpu_per_request() {
    local requests
    requests=$(awk '/ requests in / { print $1 }' "$3")
    awk -v b="$1" -v a="$2" -v n="${requests:-0}" -v hz="$(getconf CLK_TCK)" 'BEGIN {
        split(b, x, " "); split(a, y, " ")
        for (i = 1; i <= 4; i++) printf "%.1f%s", (n > 0) ? (y[i] - x[i]) * 1e6 / hz / n : 0, (i < 4) ? " " : "\n" }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $("$py" --version 2>&1)"
echo "countersign: $bin (built $(date -r "$bin" '+%Y-%m-%d %H:%M'); this tree is at $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$root" && git diff --quiet 2>/dev/null || echo ' with uncommitted changes'))"
echo "work folder: $tmp"
busy_now="$(cpu_busy)"
echo "load before starting: $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min); ${busy_now}% busy now"
if ((busy_now > 15)); then echo "  WARNING: the machine is not idle; the figures will be skewed" >&2; fi
# A durable commit waits for fsync: its latency on the database's disk bounds every write path.
fsync_ms="$("$py" -c '
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
ts = []
for _ in range(100):
    os.write(fd, b"x" * 4096)
    t = time.perf_counter()
    os.fsync(fd)
    ts.append(time.perf_counter() - t)
os.close(fd)
os.remove(sys.argv[1])
ts.sort()
print(f"{ts[50] * 1000:.2f}")
' "$tmp/fsync.probe")"
echo "disk: an fsync after a 4 KiB append takes ${fsync_ms} ms (median of 100) in $tmp"
echo "$fsync_ms" > "$tmp/fsync.ms"

# --- 1. durable approval round trips (Countersign) ----------------------------
if wants roundtrip || wants auto; then
    start_server "$tmp/bench.db" server
    read_credentials server
fi
if wants roundtrip; then
    echo
    echo "== 1. approval round trips, Countersign: $agents agents, $runs x ${duration} s, $rt_client client"
    step_begin
    if [[ "$rt_client" == swift ]]; then rt=("$rt_bin"); else rt=("$py" "$here/roundtrip.py"); fi
    timeout $((runs * (duration + 100) + 60)) \
        "${rt[@]}" --url "$url" --agents "$agents" --duration "$duration" --runs "$runs" --json \
        | tee "$tmp/roundtrip.txt"
    step_end roundtrip
    tail -n 1 "$tmp/roundtrip.txt" > "$tmp/roundtrip.json"
fi

# --- 2. the same with LangGraph ------------------------------------------------
if wants langgraph; then
    for mode in $lg_modes; do
        echo
        echo "== 2. approval round trips, LangGraph interrupt/resume + SQLite checkpointer ($mode): $agents agents, $runs x ${duration} s"
        step_begin
        timeout $((runs * (duration + 100) + 60)) \
            "$py" "$here/langgraph_roundtrip.py" --mode "$mode" --agents "$agents" --duration "$duration" --runs "$runs" \
            --dir "$tmp/langgraph-$mode" --json | tee "$tmp/langgraph-$mode.txt"
        step_end "langgraph-$mode"
        tail -n 1 "$tmp/langgraph-$mode.txt" > "$tmp/langgraph-$mode.json"
        rm -rf "$tmp/langgraph-$mode"
    done
fi

# --- 3. AUTO path with wrk, beside /healthz ------------------------------------
if wants auto; then
    echo
    echo "== 3. AUTO path: wrk -t2 -c64 -d${wrk_duration}s, POST /v1/proposals (lookup_order, auto) vs GET /healthz, $wrk_runs runs each"
    step_begin
    : > "$tmp/auto.rates"
    : > "$tmp/healthz.rates"
    : > "$tmp/auto.non2xx"
    : > "$tmp/auto.cpu"
    : > "$tmp/healthz.cpu"
    for ((r = 1; r <= wrk_runs; r++)); do
        c0=$(cpu_split)
        timeout $((wrk_duration + 30)) wrk -t2 -c64 -d"${wrk_duration}s" --latency -s "$here/auto.lua" "$url" > "$tmp/wrk-auto-$r.txt"
        c1=$(cpu_split)
        timeout $((wrk_duration + 30)) wrk -t2 -c64 -d"${wrk_duration}s" --latency "$url/healthz" > "$tmp/wrk-healthz-$r.txt"
        c2=$(cpu_split)
        cpu_per_request "$c0" "$c1" "$tmp/wrk-auto-$r.txt" >> "$tmp/auto.cpu"
        cpu_per_request "$c1" "$c2" "$tmp/wrk-healthz-$r.txt" >> "$tmp/healthz.cpu"
        a=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk-auto-$r.txt")
        h=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk-healthz-$r.txt")
        bad=$(awk '/Non-2xx or 3xx responses:/ { print $5 }' "$tmp/wrk-auto-$r.txt")
        echo "$a" >> "$tmp/auto.rates"
        echo "$h" >> "$tmp/healthz.rates"
        echo "${bad:-0}" >> "$tmp/auto.non2xx"
        printf '  run %d  proposals %10s req/s (p99 %s, non-2xx %s)   healthz %10s req/s (p99 %s)\n' "$r" "$a" \
            "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk-auto-$r.txt")" "${bad:-0}" "$h" \
            "$(awk '$1 == "99%" { print $2 }' "$tmp/wrk-healthz-$r.txt")"
        read -r at aw ah al < <(tail -n 1 "$tmp/auto.cpu")
        read -r ht hw hh hl < <(tail -n 1 "$tmp/healthz.cpu")
        printf '         server CPU per request: proposals %s µs (writer %s, handlers %s, event loops %s)   healthz %s µs (handlers %s, event loops %s)\n' \
            "$at" "$aw" "$ah" "$al" "$ht" "$hh" "$hl"
        grep -h 'Socket errors' "$tmp/wrk-auto-$r.txt" "$tmp/wrk-healthz-$r.txt" | sed 's/^/  /' || true
    done
    step_end auto
    if [[ -s "$tmp/wrk-auto-1.txt" ]] && grep -q 'Non-2xx' "$tmp/wrk-auto-1.txt"; then
        echo "  WARNING: some proposals were not answered 2xx; one of them:" >&2
        curl -s --max-time 5 -H "Authorization: Bearer $COUNTERSIGN_AGENT_KEY" -H 'Content-Type: application/json' \
            -d "{\"agent\":\"$COUNTERSIGN_AGENT_NAME\",\"operation\":\"lookup_order\",\"confidence\":0.97,\"action\":\"Look up order A-1\"}" \
            "$url/v1/proposals" >&2 || true
        echo >&2
    fi
fi
stop_server

# --- 4. disk per pending approval ----------------------------------------------
if wants disk; then
    echo
    echo "== 4. disk per pending approval: $pending pending approvals on a fresh database"
    db="$tmp/pending.db"
    start_server "$db" disk-first
    read_credentials disk-first
    stop_server
    "$py" "$here/pending.py" size --db "$db" --json > "$tmp/disk-before.json"
    start_server "$db" disk-second
    timeout 900 "$py" "$here/pending.py" create --url "$url" --count "$pending" --json | tee "$tmp/disk-create.txt"
    stop_server
    "$py" "$here/pending.py" size --db "$db" --json > "$tmp/disk-after.json"
    tail -n 1 "$tmp/disk-create.txt" > "$tmp/disk-create.json"
    "$py" - "$tmp" "$pending" << 'EOF'
import json, sys
tmp, n = sys.argv[1], int(sys.argv[2])
b = json.load(open(f"{tmp}/disk-before.json")); a = json.load(open(f"{tmp}/disk-after.json"))
print(f"  database {b['bytes']:,} bytes before, {a['bytes']:,} after (WAL checkpointed; page size {a['page_size']}, "
      f"{a['free_pages']} free pages): {(a['bytes'] - b['bytes']) / n:,.0f} bytes per pending approval")
EOF
fi

# --- summary ---------------------------------------------------------------------
echo
printf '%s\n' "$(cat "$tmp/auto.rates" 2> /dev/null | median)" > "$tmp/auto.median"
printf '%s\n' "$(cat "$tmp/healthz.rates" 2> /dev/null | median)" > "$tmp/healthz.median"
"$py" - "$tmp" "$pending" "$agents" "$runs" "$duration" "$wrk_runs" "$wrk_duration" "${RESULTS:-}" << 'EOF'
import json, math, os, sys
tmp, n, agents, runs, duration, wrk_runs, wrk_duration, results = sys.argv[1:9]
n = int(n)

def load(name):
    p = os.path.join(tmp, name)
    try:
        return json.loads(open(p).read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None

def num(name):
    try:
        v = float(open(os.path.join(tmp, name)).read().strip())
        return None if math.isnan(v) else v
    except (OSError, ValueError):
        return None

rows = []
summary = {}
cs = load("roundtrip.json")
lgs = {m: load(f"langgraph-{m}.json") for m in ("async", "threads")}
lgs = {m: v for m, v in lgs.items() if v}
if cs:
    summary["countersign_roundtrip"] = cs
    rows.append((f"Countersign round trips/s ({agents} agents, {cs.get('client_loop', '')} client, median of {runs} x {duration} s)", f"{cs['median_rate']:,.0f}"))
    rows.append(("  round-trip latency p50 / p99", f"{cs['p50_ms']:.1f} / {cs['p99_ms']:.1f} ms"))
    rows.append(("  wake-up, decision answer -> long-poll answer, p50 / p99",
                 f"{cs['wake_client_p50_ms']:.2f} / {cs['wake_client_p99_ms']:.2f} ms"))
    rows.append(("  wake-up, decided_at -> long-poll answer, p50 / p99",
                 f"{cs['wake_server_p50_ms']:.2f} / {cs['wake_server_p99_ms']:.2f} ms"
                 + ("" if cs.get("decided_at_has_subseconds") else " (coarse)")))
for m, lg in lgs.items():
    summary[f"langgraph_{m}"] = lg
    rows.append((f"LangGraph interrupt/resume + SQLite ({m}) round trips/s", f"{lg['median_rate']:,.0f}"))
    rows.append(("  round-trip latency p50 / p99", f"{lg['p50_ms']:.1f} / {lg['p99_ms']:.1f} ms"))
if cs and lgs:
    best = max(lgs.values(), key=lambda v: v["median_rate"])
    if best["median_rate"] > 0:
        rows.append(("Countersign / best LangGraph (target >= 10x)", f"{cs['median_rate'] / best['median_rate']:.1f}x"))
auto, health = num("auto.median"), num("healthz.median")
if auto is not None:
    bad = [l.strip() for l in open(os.path.join(tmp, "auto.non2xx")) if l.strip() not in ("", "0")]
    summary["auto"] = {"proposals_rps": auto, "healthz_rps": health, "non_2xx_runs": bad}
    rows.append((f"AUTO POST /v1/proposals req/s (wrk -t2 -c64, median of {wrk_runs} x {wrk_duration} s; target >= 20,000)",
                 f"{auto:,.0f}" + (" (NON-2xx ANSWERS)" if bad else "")))
    if health:
        rows.append(("GET /healthz req/s, same server", f"{health:,.0f}"))
        rows.append(("AUTO / healthz (target >= 0.5)", f"{auto / health:.2f}"))
    def cpu(name):
        try:
            runs_ = [[float(v) for v in l.split()] for l in open(os.path.join(tmp, name)) if l.strip()]
        except (OSError, ValueError):
            return None
        if not runs_:
            return None
        # The run with the median total, whole (its parts add up).
        return sorted(runs_, key=lambda r: r[0])[(len(runs_) - 1) // 2]
    ac, hc = cpu("auto.cpu"), cpu("healthz.cpu")
    if ac and hc and ac[0] > 0:
        summary["auto"]["server_cpu_us_per_request"] = {"auto": dict(zip(("total", "writer", "handlers", "loops"), ac)),
                                                       "healthz": dict(zip(("total", "writer", "handlers", "loops"), hc))}
        rows.append(("server CPU per AUTO request: total (writer / handlers / event loops)",
                     f"{ac[0]:.1f} µs ({ac[1]:.1f} / {ac[2]:.1f} / {ac[3]:.1f})"))
        rows.append(("server CPU per /healthz request: total (handlers / event loops)", f"{hc[0]:.1f} µs ({hc[2]:.1f} / {hc[3]:.1f})"))
        rows.append(("  /healthz's CPU per request over AUTO's (the ratio at equal CPU)", f"{hc[0] / ac[0]:.2f}"))
b, a = load("disk-before.json"), load("disk-after.json")
if b and a:
    per = (a["bytes"] - b["bytes"]) / n
    created = load("disk-create.json") or {}
    summary["disk"] = {"pending": n, "bytes_before": b["bytes"], "bytes_after": a["bytes"], "bytes_per_pending": per,
                       "body_bytes": created.get("body_bytes")}
    rows.append((f"disk per pending approval (N = {n:,}, request body {created.get('body_bytes', '?')} B)", f"{per:,.0f} bytes"))

try:
    other = [l.split() for l in open(os.path.join(tmp, "other-load")) if l.strip()]
except OSError:
    other = []
fs = num("fsync.ms")
if fs is not None:
    summary["fsync_ms"] = fs
    rows.append(("fsync of a 4 KiB append on the database's disk, median", f"{fs:.2f} ms"))
if other:
    summary["other_load_percent"] = {k: int(v) for k, v in other}
    rows.append(("other processes' share of the machine during each step (> 10%: skewed)",
                 ", ".join(f"{k} {v}%" for k, v in other)))
w = max((len(r[0]) for r in rows), default=10)
print("| figure" + " " * (w - 6) + " | value |")
print("| " + "-" * w + " | --- |")
for k, v in rows:
    print(f"| {k.ljust(w)} | {v} |")
if results:
    with open(results, "w") as f:
        json.dump(summary, f, indent=2)
    print(f"(summary written to {results})")
EOF
