#!/usr/bin/env bash
# Builds and runs the libFuzzer targets for a bounded time (README.md beside this file).
#
#   Fuzz/run.sh [TARGET|all] [SECONDS]   build, then fuzz each target SECONDS (default 60)
#   Fuzz/run.sh build [TARGET|all]       build only
#   Fuzz/run.sh replay [TARGET|all]      run every seed and regression once, no fuzzing
#   Fuzz/run.sh typecheck [TARGET|all]   type-check the targets against the main package's debug
#                                        build (.build/debug; seconds, not the sanitized build's
#                                        half hour: scripts/test runs it so the targets never rot)
#
# FUZZ_SKIP_BUILD=1 uses the binaries already built (while another build holds the package).
# TARGET is a folder name: json-reader, proposal-decoder, config, pii-scanner, renderers.
# New corpus entries, findings and logs go to Fuzz/.work/TARGET/ (not in git). Fails, printing
# the reproducer's path, when a target crashes or breaks an invariant; an invariant that a
# committed known-INVARIANT--what regression already breaks (an open defect) is listed as KNOWN
# and does not fail the run.
set -uo pipefail

FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGETS=(json-reader proposal-decoder config pii-scanner renderers)

product() {
    case "$1" in
    json-reader) echo FuzzJSONReader ;;
    proposal-decoder) echo FuzzProposalDecoder ;;
    config) echo FuzzConfig ;;
    pii-scanner) echo FuzzPIIScanner ;;
    renderers) echo FuzzRenderers ;;
    *) echo "unknown target '$1'; expected one of: ${TARGETS[*]}" >&2; return 1 ;;
    esac
}

# SwiftPM's --sanitize links libFuzzer's main but (Swift 6.3) does not instrument Swift code for
# coverage; -Xswiftc -sanitize=fuzzer,address does. -enable-testing lets the targets reach
# internal API (@testable import) in a release build; -assert-config Debug keeps assert().
BUILD_FLAGS=(-c release --sanitize fuzzer --sanitize address
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -assert-config -Xswiftc Debug)

build() {
    local name
    name="$(product "$1")" || return 1
    if [ -n "${FUZZ_SKIP_BUILD:-}" ]; then [ -x "$(binary "$1")" ]; return; fi
    echo "== build $1 ($name)"
    swift build --package-path "$FUZZ" "${BUILD_FLAGS[@]}" --product "$name" 2>&1 |
        grep -v -e "Cannot export local symbol" -e "^\[[0-9]*/[0-9]*\]" || true
    [ -x "$(binary "$1")" ] || { echo "build of $1 failed" >&2; return 1; }
}

binary() { echo "$FUZZ/.build/release/$(product "$1")"; }

# Fuzzes one target for $2 seconds; prints one summary line; non-zero when something was found.
fuzz() {
    local target="$1" seconds="$2" work="$FUZZ/.work/$1" bin dict=()
    bin="$(binary "$target")"
    mkdir -p "$work/corpus" "$work/findings"
    [ -s "$FUZZ/$target/dictionary.dict" ] && dict=(-dict="$FUZZ/$target/dictionary.dict")
    echo "== fuzz $target for ${seconds}s (log: $work/log)"
    # Leak detection is off: the Swift runtime's caches read as leaks at exit.
    FUZZ_FINDINGS="$work/findings" "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -max_len=4096 \
        -detect_leaks="${FUZZ_DETECT_LEAKS:-0}" -print_final_stats=1 -artifact_prefix="$work/" "${dict[@]}" \
        "$work/corpus" "$FUZZ/$target/seeds" "$FUZZ/$target/regressions" >"$work/log" 2>&1
    local status=$?
    summarize "$target" "$work"
    local found=0
    for artifact in "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/leak-*; do
        [ -e "$artifact" ] || continue
        echo "FOUND $target: libFuzzer artifact $artifact (reproduce: $bin $artifact)"
        found=1
    done
    local known invariant
    known="$(known_invariants "$target")"
    for finding in "$work"/findings/*; do
        [ -e "$finding" ] && [ "${finding%.txt}" = "$finding" ] || continue
        invariant="$(basename "$finding" | sed 's/-[0-9a-f]*$//')"
        if grep -qxF "$invariant" <<<"$known"; then
            echo "KNOWN $target: $(cat "$finding.txt" 2>/dev/null || echo "$invariant") (an invariant with an open known- regression; check it is the same defect) by $finding"
        else
            echo "FOUND $target: $(cat "$finding.txt" 2>/dev/null || echo "$invariant") by $finding (reproduce: $bin $finding)"
            found=1
        fi
    done
    if [ "$status" -ne 0 ] && [ "$found" -eq 0 ]; then
        echo "FOUND $target: libFuzzer exited with $status; see $work/log"
        found=1
    fi
    return "$found"
}

# The invariants named by the target's known-INVARIANT[,INVARIANT…]--what regressions, one a line.
known_invariants() {
    for file in "$FUZZ/$1"/regressions/known-*--*; do
        [ -e "$file" ] || continue
        basename "$file" | sed -e 's/^known-//' -e 's/--.*$//' | tr ',' '\n'
    done
}

# The figures of libFuzzer's last status line and final stats.
summarize() {
    local target="$1" work="$2" line runs
    line="$(grep -E '^#[0-9]+' "$work/log" | tail -1)"
    runs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/log" | grep -o '[0-9]*$' | tail -1)"
    local cov ft corp execs
    cov="$(grep -o 'cov: [0-9]*' <<<"$line" | grep -o '[0-9]*')"
    ft="$(grep -o 'ft: [0-9]*' <<<"$line" | grep -o '[0-9]*')"
    corp="$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' <<<"$line" | cut -d' ' -f2)"
    execs="$(grep -o 'exec/s: [0-9]*' <<<"$line" | grep -o '[0-9]*')"
    echo "| $target | ${runs:-?} | ${execs:-?} | ${corp:-?} | ${cov:-?} | ${ft:-?} |"
}

# Type-checks every target's sources against the main package's debug modules: FuzzSupport is
# compiled into a scratch folder, the C modules' maps are the ones the debug build used.
typecheck() {
    local root="$FUZZ/.." scratch maps=() status=0 target
    local build="$root/.build/debug"
    [ -d "$build/Modules" ] || { echo "no $build/Modules: run swift build --build-tests first" >&2; return 1; }
    scratch="$(mktemp -d)"
    while IFS= read -r map; do maps+=(-Xcc "-fmodule-map-file=$map"); done < <(
        find "$root/.build/checkouts" "$root/Sources" -name module.modulemap 2> /dev/null
        find "$(readlink -f "$build")" -maxdepth 2 -name module.modulemap 2> /dev/null)
    while IFS= read -r include; do maps+=(-Xcc -I -Xcc "$include"); done < <(
        find "$root/.build/checkouts" "$root/Sources" -type d -name include -path "*Sources*" 2> /dev/null)
    swiftc -emit-module -parse-as-library -module-name FuzzSupport -I "$build/Modules" -o "$scratch/FuzzSupport.swiftmodule" \
        "$FUZZ"/Shared/*.swift || { rm -rf "$scratch"; return 1; }
    for target in "$@"; do
        echo "== typecheck $target"
        swiftc -typecheck -parse-as-library -I "$scratch" -I "$build/Modules" "${maps[@]}" "$FUZZ/$target"/*.swift || status=1
    done
    rm -rf "$scratch"
    return "$status"
}

# Runs every seed and regression once.
replay() {
    local target="$1" work="$FUZZ/.work/$1" bin files=()
    bin="$(binary "$target")"
    mkdir -p "$work/replay-findings"
    rm -f "$work"/replay-findings/*
    for folder in seeds regressions; do
        for file in "$FUZZ/$target/$folder"/*; do [ -f "$file" ] && [ "$(basename "$file")" != .gitkeep ] && files+=("$file"); done
    done
    echo "== replay $target (${#files[@]} inputs)"
    FUZZ_FINDINGS="$work/replay-findings" "$bin" -runs=1 -detect_leaks=0 -artifact_prefix="$work/replay-" "${files[@]}" >"$work/replay.log" 2>&1
    local status=$?
    grep '^==fuzz==' "$work/replay.log"
    [ "$status" -eq 0 ] || { echo "FOUND $target: a replayed input crashed; see $work/replay.log"; return 1; }
    local known invariant found=0
    known="$(known_invariants "$target")"
    for finding in "$work"/replay-findings/*; do
        [ -e "$finding" ] && [ "${finding%.txt}" = "$finding" ] || continue
        invariant="$(basename "$finding" | sed 's/-[0-9a-f]*$//')"
        grep -qxF "$invariant" <<<"$known" && continue
        echo "FOUND $target: a replayed input broke $(cat "$finding.txt" 2>/dev/null || echo "$invariant")"
        found=1
    done
    return "$found"
}

# The whole script is read before it runs (main), so editing it during a run is safe.
main() {
    local command selection seconds failed selected summary out target
    command="${1:-all}"
    case "$command" in
    build | replay | typecheck) selection="${2:-all}" ;;
    *) selection="$command"; command=fuzz ;;
    esac
    seconds="${2:-60}"
    [ "$command" = fuzz ] || seconds=0
    if [ "$selection" = all ]; then selected=("${TARGETS[@]}"); else selected=("$selection"); fi
    if [ "$command" = typecheck ]; then typecheck "${selected[@]}"; return; fi

    failed=0
    [ "$command" = fuzz ] && summary=("| target | executions | exec/s | corpus (entries/size) | cov | ft |" "| --- | --- | --- | --- | --- | --- |")
    for target in "${selected[@]}"; do
        build "$target" || { failed=1; continue; }
        case "$command" in
        build) ;;
        replay) replay "$target" || failed=1 ;;
        fuzz)
            out="$(fuzz "$target" "$seconds")" || failed=1
            echo "$out" | grep -v '^|'
            summary+=("$(echo "$out" | grep '^|')")
            ;;
        esac
    done
    [ "$command" = fuzz ] && printf '%s\n' "${summary[@]}"
    return "$failed"
}

main "$@"; exit $?
