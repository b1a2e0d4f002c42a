#!/usr/bin/env bash
# Times the Python baseline against `countersign evaluate` on the same proposals.
#
#   Benchmarks/evaluate/run.sh
#
# Environment (all optional):
#   COUNTERSIGN  the binary to time (default: .build/release/countersign)
#   COUNT        proposals to generate (default 200000)
#   SEED         generator seed (default 1)
#   RUNS         timed runs of each program (default 3)
#   DATA_DIR     where the proposals and verdicts go (default Benchmarks/evaluate/data, git-ignored)
#   PYTHON       the Python 3 interpreter (default python3)
#   HYPERFINE=0  use the bash timing loop even when hyperfine is installed
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
count="${COUNT:-200000}"
seed="${SEED:-1}"
runs="${RUNS:-3}"
python="${PYTHON:-python3}"
data_dir="${DATA_DIR:-$here/data}"
data="$data_dir/proposals-$count-seed$seed.jsonl"
bin="${COUNTERSIGN:-$root/.build/release/countersign}"
out_py="$data_dir/verdicts-python.jsonl"
out_swift="$data_dir/verdicts-swift.jsonl"

mkdir -p "$data_dir"
if [[ ! -s "$data" ]]; then
    echo "generating $count proposals (seed $seed) into $data"
    "$python" "$here/generate.py" --count "$count" --seed "$seed" --out "$data.tmp"
    mv "$data.tmp" "$data"
fi
lines=$(wc -l < "$data")
bytes=$(wc -c < "$data")
echo "input: $data ($lines lines, $((bytes / lines)) bytes/line on average)"
echo "machine: $(nproc) cores, $("$python" --version 2>&1)"

have_swift=1
if [[ ! -x "$bin" ]]; then
    have_swift=0
    echo
    echo "NOTE: no countersign binary at $bin"
    echo "      build it with 'swift build -c release' or set COUNTERSIGN=/path/to/countersign."
    echo "      Timing the Python baseline only."
fi
echo

py_cmd=("$python" "$here/baseline.py" --policy-default "$data")
swift_cmd=("$bin" evaluate --policy "$here/policy-same-limits.yaml" "$data")

# One timed run: prints wall seconds; output goes to a file (writing is part of the work).
# `evaluate` exits 1 when some line is invalid; only other statuses count as failures.
time_once() {
    local out="$1"; shift
    local start end status
    start=$(date +%s.%N)
    set +e
    "$@" > "$out"
    status=$?
    set -e
    end=$(date +%s.%N)
    if (( status > 1 )); then
        echo "error: '$*' exited with status $status" >&2
        exit 1
    fi
    awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f\n", e - s }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rate() { awk -v n="$lines" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }

py_times=()
swift_times=()
if command -v hyperfine > /dev/null && [[ "${HYPERFINE:-1}" != 0 ]]; then
    echo "timing with hyperfine ($runs runs each; hyperfine runs each command in turn, not alternating)"
    json="$data_dir/hyperfine.json"
    cmds=("$(printf '%q ' "${py_cmd[@]}") > $(printf '%q' "$out_py")")
    names=(--command-name python)
    if (( have_swift )); then
        cmds+=("$(printf '%q ' "${swift_cmd[@]}") > $(printf '%q' "$out_swift")")
        names+=(--command-name swift)
    fi
    hyperfine --runs "$runs" --ignore-failure --export-json "$json" "${names[@]}" "${cmds[@]}"
    mapfile -t py_times < <("$python" -c 'import json,sys; print(*json.load(open(sys.argv[1]))["results"][0]["times"], sep="\n")' "$json")
    if (( have_swift )); then
        mapfile -t swift_times < <("$python" -c 'import json,sys; print(*json.load(open(sys.argv[1]))["results"][1]["times"], sep="\n")' "$json")
    fi
else
    echo "timing with a bash loop ($runs runs each, alternating)"
    for ((i = 1; i <= runs; i++)); do
        t=$(time_once "$out_py" "${py_cmd[@]}")
        py_times+=("$t")
        printf '  run %d  python  %7.3f s  %9s lines/s\n' "$i" "$t" "$(rate "$t")"
        if (( have_swift )); then
            t=$(time_once "$out_swift" "${swift_cmd[@]}")
            swift_times+=("$t")
            printf '  run %d  swift   %7.3f s  %9s lines/s\n' "$i" "$t" "$(rate "$t")"
        fi
    done
fi

echo
py_median=$(printf '%s\n' "${py_times[@]}" | median)
printf 'python baseline  median %7.3f s  %9s lines/s\n' "$py_median" "$(rate "$py_median")"
if (( have_swift )); then
    swift_median=$(printf '%s\n' "${swift_times[@]}" | median)
    printf 'countersign      median %7.3f s  %9s lines/s\n' "$swift_median" "$(rate "$swift_median")"
    awk -v p="$py_median" -v s="$swift_median" 'BEGIN { printf "ratio            countersign is %.2fx the baseline'"'"'s throughput\n", p / s }'

    echo
    echo "agreement (last run of each; differences point at rule or detector choices):"
    "$python" - "$out_py" "$out_swift" <<'EOF'
import json, sys
same = level_diff = reason_diff = 0
shown = 0
with open(sys.argv[1]) as a, open(sys.argv[2]) as b:
    for x, y in zip(a, b):
        x, y = json.loads(x), json.loads(y)
        codes = lambda v: sorted(r["code"] for r in v.get("reasons", []))
        if x.get("level") != y.get("level"):
            level_diff += 1
        elif codes(x) != codes(y):
            reason_diff += 1
        else:
            same += 1
            continue
        if shown < 5:
            shown += 1
            print(f"  line {x.get('line')}: python {x.get('level')} {codes(x)} / swift {y.get('level')} {codes(y)}")
if sum(1 for _ in open(sys.argv[1])) != sum(1 for _ in open(sys.argv[2])):
    print("  the two outputs have different line counts")
print(f"  identical level and reason codes: {same}; different level: {level_diff}; same level, different reasons: {reason_diff}")
EOF
fi
