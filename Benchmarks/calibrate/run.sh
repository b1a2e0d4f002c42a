#!/usr/bin/env bash
# Times `countersign calibrate` on a generated history (default 10 million decisions).
#
#   swift build -c release && Benchmarks/calibrate/run.sh
#
# Environment (all optional):
#   COUNTERSIGN  the binary (default: .build/release/countersign)
#   COUNT        decisions to generate (default 10000000)
#   SEED         generator seed (default 1)
#   RUNS         timed runs (default 3)
#   FORMAT       jsonl or csv (default jsonl)
#   DATA_DIR     where the history goes (default ${TMPDIR:-/tmp}/countersign-calibrate; about 2 GB for 10M rows)
#   PYTHON       the Python 3 interpreter (default python3)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
count="${COUNT:-10000000}"
seed="${SEED:-1}"
runs="${RUNS:-3}"
format="${FORMAT:-jsonl}"
python="${PYTHON:-python3}"
data_dir="${DATA_DIR:-${TMPDIR:-/tmp}/countersign-calibrate}"
bin="${COUNTERSIGN:-$root/.build/release/countersign}"
data="$data_dir/history-$count-seed$seed.$format"

[[ -x "$bin" ]] || { echo "no countersign binary at $bin: run 'swift build -c release' or set COUNTERSIGN" >&2; exit 1; }
mkdir -p "$data_dir"
if [[ ! -s "$data" ]]; then
    echo "generating $count decisions (seed $seed) into $data"
    "$python" "$here/generate.py" --count "$count" --seed "$seed" --format "$format" --out "$data.tmp"
    mv "$data.tmp" "$data"
fi
bytes=$(wc -c < "$data")
echo "input: $data ($count rows, $((bytes / 1024 / 1024)) MiB)"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$data" > /dev/null  # warm the page cache: we time the work, not the disk

walls=()
for ((i = 1; i <= runs; i++)); do
    /usr/bin/time -f "%e %U %S %M" -o "$data_dir/time.txt" "$bin" calibrate --history "$data" --format json > "$data_dir/result.json"
    read -r wall user sys rss < "$data_dir/time.txt"
    walls+=("$wall")
    printf '  run %d: %6.2f s wall, %6.2f s user, %5.2f s sys, %4d MiB max RSS, %s rows/s\n' \
        "$i" "$wall" "$user" "$sys" "$((rss / 1024))" "$(awk -v n="$count" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')"
done
median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "median wall: $median s for $count rows"
"$python" - "$data_dir/result.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for g in report["groups"]:
    print(f"  {g['key']:<15} n={g['n']:>9}  auto={g['auto_threshold']}  n_above={g['n_above']}  lower_bound={g['lower_bound']}")
PY
