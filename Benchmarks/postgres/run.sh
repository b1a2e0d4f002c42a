#!/usr/bin/env bash
# Countersign on PostgreSQL: durable approval round trips with 1 replica and with 2 replicas on one
# database (decisions on the other replica, and on the agent's own), side by side in one run, and the cross-replica wake-up (decision on replica B -> the
# long-poll on replica A returns). Uses the round-trip load generator of Benchmarks/gateway
# (countersign-roundtrip, or roundtrip.py with RT_CLIENT=python). See README.md.
#
#   Benchmarks/postgres/run.sh
#
# Environment (all optional):
#   COUNTERSIGN   the server binary (default .build/release/countersign; built if missing)
#   POSTGRES_HOSTNAME/PORT/USER/PASSWORD/DB  a server to use; without them a throwaway
#                 PostgreSQL 15 is started on PG_PORT (default 54339; as TOOLCHAIN.md shows) and stopped after
#   AGENTS        concurrent agents (default 32)
#   DURATION      measured seconds per run (default 10)
#   RUNS          runs of each setup, alternating 1 and 2 replicas; medians reported (default 3)
#   PORT          first loopback port (default 18180; the second replica takes PORT+1)
#   RT_CLIENT     "swift" (countersign-roundtrip, SwiftNIO; default) or "python" (roundtrip.py)
#   KEEP_TMP=1    keep the temporary folder (server logs, raw outputs)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
gateway="$root/Benchmarks/gateway"
bin="${COUNTERSIGN:-$root/.build/release/countersign}"
agents="${AGENTS:-32}"
duration="${DURATION:-10}"
runs="${RUNS:-3}"
port="${PORT:-18180}"
pg_port="${PG_PORT:-54339}"
venv="$gateway/.venv"
rt_client="${RT_CLIENT:-swift}"
rt_bin="$root/Benchmarks/.build/release/countersign-roundtrip"
py="$venv/bin/python"

if [[ ! -x "$bin" ]]; then
    echo "== building $bin (swift build -c release --product countersign)"
    (cd "$root" && swift build -c release --product countersign)
fi
if [[ "$rt_client" == swift && ! -x "$rt_bin" ]]; then
    echo "== building $rt_bin (cd Benchmarks && swift build -c release --product countersign-roundtrip)"
    (cd "$root/Benchmarks" && swift build -c release --product countersign-roundtrip)
fi
if [[ ! -x "$py" ]] || ! "$py" -c 'import aiohttp' 2> /dev/null; then
    echo "== creating $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$gateway/requirements.txt"
fi

tmp="$(mktemp -d /tmp/countersign-postgres-bench.XXXXXX)"
chmod 755 "$tmp"
pids=()
pg_started=""

stop_servers() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
    pids=()
}
cleanup() {
    stop_servers
    if [[ -n "$pg_started" ]]; then
        runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$tmp/pg/data" -m fast -w stop > /dev/null || true
    fi
    if [[ "${KEEP_TMP:-0}" == 1 ]]; then echo "(kept $tmp)"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the database --------------------------------------------------------------
if [[ -z "${POSTGRES_HOSTNAME:-}" ]]; then
    pg_bin=/usr/lib/postgresql/15/bin
    [[ -x "$pg_bin/initdb" ]] || { apt-get update -qq && apt-get install -y -qq postgresql > /dev/null; }
    mkdir -p "$tmp/pg"
    chown postgres:postgres "$tmp/pg"
    runuser -u postgres -- "$pg_bin/initdb" -D "$tmp/pg/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 > /dev/null
    # Durable commits (fsync on, the default), as in production.
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/log" -w \
        -o "-p $pg_port -k $tmp/pg -c listen_addresses=127.0.0.1 -c max_connections=200" start > /dev/null || { cat "$tmp/pg/log" >&2; exit 1; }
    pg_started=1
    export POSTGRES_HOSTNAME=127.0.0.1 POSTGRES_PORT=$pg_port POSTGRES_USER=postgres POSTGRES_PASSWORD=postgres POSTGRES_DB=postgres
fi
export PGPASSWORD="${POSTGRES_PASSWORD:-}"
psql_admin() { psql -h "$POSTGRES_HOSTNAME" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d "$POSTGRES_DB" -X -A -t -q -c "$1"; }

export BENCH_AGENT_KEY="bench-agent-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export BENCH_APPROVER_TOKEN="bench-approver-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cat > "$tmp/config.yaml" << 'YAML'
# A load test: the per-agent quota and rate would refuse most of it.
agent_limits: {max_pending: unlimited, rate: unlimited}
agents:
  - {name: bench-agent, key_env: BENCH_AGENT_KEY}
approvers:
  - {name: bench-approver, token_env: BENCH_APPROVER_TOKEN}
YAML

# start_replicas N DB: N replicas on a fresh database DB, ports PORT, PORT+1, ...
start_replicas() {
    local count="$1" db="$2" i j
    psql_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)"
    psql_admin "CREATE DATABASE $db"
    for ((i = 0; i < count; i++)); do
        "$bin" serve --config "$tmp/config.yaml" --postgres "postgres://$POSTGRES_USER@$POSTGRES_HOSTNAME:$POSTGRES_PORT/$db" \
            --host 127.0.0.1 --port $((port + i)) > "$tmp/$db-$i.out" 2> "$tmp/$db-$i.err" &
        pids+=($!)
    done
    for ((i = 0; i < count; i++)); do
        for ((j = 0; j < 600; j++)); do
            curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$((port + i))/healthz" && break
            sleep 0.1
        done
    done
}

roundtrip() { # roundtrip AGENT_URLS APPROVER_URLS OUT
    if [[ "$rt_client" == swift ]]; then
        COUNTERSIGN_AGENT_KEY="$BENCH_AGENT_KEY" COUNTERSIGN_APPROVER_TOKEN="$BENCH_APPROVER_TOKEN" COUNTERSIGN_AGENT_NAME=bench-agent \
            "$rt_bin" --url "$1" --approver-url "$2" --agents "$agents" --duration "$duration" --runs 1 --json | tee "$3.log" | tail -1 > "$3"
    else
        "$py" "$gateway/roundtrip.py" --url "$1" --approver-url "$2" --agents "$agents" --duration "$duration" --runs 1 --json \
            --agent-key "$BENCH_AGENT_KEY" --approver-token "$BENCH_APPROVER_TOKEN" --agent-name bench-agent | tee "$3.log" | tail -1 > "$3"
    fi
}

a="http://127.0.0.1:$port"
b="http://127.0.0.1:$((port + 1))"
echo "machine: $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL at $POSTGRES_HOSTNAME:$POSTGRES_PORT"
echo "$agents agents, $duration s per run, $runs runs of each setup, alternating"
for ((r = 1; r <= runs; r++)); do
    echo "== run $r: 1 replica"
    start_replicas 1 cs_bench_one
    roundtrip "$a" "$a" "$tmp/one-$r.json"
    stop_servers
    echo "== run $r: 2 replicas (agents on both; each decision on the other replica)"
    start_replicas 2 cs_bench_two
    roundtrip "$a,$b" "$b,$a" "$tmp/two-$r.json"
    stop_servers
    echo "== run $r: 2 replicas (agents on both; each decision on the agent's replica)"
    start_replicas 2 cs_bench_two
    roundtrip "$a,$b" "$a,$b" "$tmp/same-$r.json"
    stop_servers
done
psql_admin "DROP DATABASE IF EXISTS cs_bench_one WITH (FORCE)"
psql_admin "DROP DATABASE IF EXISTS cs_bench_two WITH (FORCE)"

"$py" - "$tmp" "$runs" << 'PY'
import json, statistics, sys
tmp, runs = sys.argv[1], int(sys.argv[2])
def load(kind):
    return [json.load(open(f"{tmp}/{kind}-{r}.json")) for r in range(1, runs + 1)]
def med(rows, key):
    return statistics.median(row[key] for row in rows)
print()
print("| setup | round trips/s | round trip p50 | p99 | wake-up p50 (decided_at -> answer) | p99 | errors |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for kind, name in (("one", "1 replica"), ("two", "2 replicas, every decision on the other replica"),
                   ("same", "2 replicas, every decision on the agent's replica")):
    rows = load(kind)
    print(f"| {name} | {med(rows, 'median_rate'):.0f} | {med(rows, 'p50_ms'):.1f} ms | {med(rows, 'p99_ms'):.1f} ms "
          f"| {med(rows, 'wake_server_p50_ms'):.2f} ms | {med(rows, 'wake_server_p99_ms'):.2f} ms | {sum(r['errors'] for r in rows)} |")
print("(medians of the runs' figures)")
PY
