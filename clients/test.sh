#!/usr/bin/env bash
# The clients' tests against the real gateway: pytest (the Python client and its LangChain, OpenAI
# Agents and CrewAI adapters), then the TypeScript client's type check (Debian's tsc) and its
# `node --test` suite. The server binary comes from $COUNTERSIGN_BIN (built by the caller).
#
#   COUNTERSIGN_BIN=.build/release/countersign clients/test.sh
#   clients/test.sh --prepare     # only makes the venvs (scripts/test runs it while Swift builds)
#
# Venvs live in clients/.venv (the client, LangChain, OpenAI Agents) and clients/.venv-crewai
# (CrewAI pins openai<3 while openai-agents needs openai>=3, so they cannot share one); each is
# (re)installed only when this script's pins change. COUNTERSIGN_CLIENTS_SKIP_CREWAI=1 skips the
# CrewAI venv and tests (its install is the slowest part by far). COUNTERSIGN_WHEEL=path also runs
# the installed-wheel test (clients/build-wheels.sh prints the path). Exits non-zero on any failure,
# with one summary line per part.
set -uo pipefail
cd "$(dirname "$0")"
HERE=$PWD

PREPARE=0
[ "${1:-}" = --prepare ] && PREPARE=1
if [ "$PREPARE" = 0 ] && { [ -z "${COUNTERSIGN_BIN:-}" ] || [ ! -x "$COUNTERSIGN_BIN" ]; }; then
    echo "clients/test.sh: set COUNTERSIGN_BIN to the built countersign executable" >&2
    exit 2
fi
[ "$PREPARE" = 0 ] && COUNTERSIGN_BIN=$(realpath "$COUNTERSIGN_BIN") && export COUNTERSIGN_BIN

PIP=(--quiet --disable-pip-version-check)
CORE_PINS=('httpx==0.28.1' 'standardwebhooks==1.1.0' 'pytest==9.2.0' 'pytest-asyncio==1.5.0' 'hatchling==1.33.0')
FRAMEWORK_PINS=('langchain==1.5.0' 'langgraph==1.2.24' 'openai-agents==0.24.0')
CREWAI_PINS=('crewai==1.15.30')

# Makes or refreshes a venv when its pins (or the client's pyproject) changed since the last install.
venv() {
    local dir=$1; shift
    local stamp
    stamp=$(printf '%s\n' "$@" | cat - python/pyproject.toml | sha256sum | cut -c1-16)
    if [ -f "$dir/.countersign-stamp" ] && [ "$(cat "$dir/.countersign-stamp")" = "$stamp" ]; then
        echo "   $dir is up to date"
        return 0
    fi
    local started=$SECONDS
    [ -x "$dir/bin/python" ] || python3 -m venv "$dir" || return 1
    "$dir/bin/pip" install "${PIP[@]}" "$@" || return 1
    "$dir/bin/pip" install "${PIP[@]}" --no-deps -e python || return 1
    echo "$stamp" > "$dir/.countersign-stamp"
    echo "   $dir installed in $((SECONDS - started)) s"
}

declare -a SUMMARY=()
FAILED=0
part() {  # part NAME COMMAND…: runs it, records one summary line
    local name=$1; shift
    local started=$SECONDS
    if "$@"; then
        SUMMARY+=("ok      $name ($((SECONDS - started)) s)")
    else
        SUMMARY+=("FAILED  $name ($((SECONDS - started)) s)")
        FAILED=1
    fi
}

echo "== Python venvs"
part "venv (client, LangChain, OpenAI Agents)" venv .venv "${CORE_PINS[@]}" "${FRAMEWORK_PINS[@]}"
if [ "${COUNTERSIGN_CLIENTS_SKIP_CREWAI:-0}" != 1 ]; then
    part "venv (CrewAI)" venv .venv-crewai "${CORE_PINS[@]}" "${CREWAI_PINS[@]}"
fi
if [ "$PREPARE" = 1 ]; then
    printf '%s\n' "${SUMMARY[@]}"
    exit $FAILED
fi

# A hung test fails its part instead of the whole run's time limit.
bounded() { timeout --kill-after=10 "${COUNTERSIGN_CLIENTS_TIMEOUT:-900}" "$@"; }

echo "== pytest: the Python client and the LangChain and OpenAI Agents adapters"
part "pytest" bounded .venv/bin/python -m pytest -q -p no:cacheprovider python/tests --ignore=python/tests/test_crewai.py
if [ "${COUNTERSIGN_CLIENTS_SKIP_CREWAI:-0}" != 1 ]; then
    echo "== pytest: the CrewAI adapter"
    part "pytest (CrewAI)" bounded .venv-crewai/bin/python -m pytest -q -p no:cacheprovider python/tests/test_crewai.py python/tests/test_examples.py -k crewai
fi

echo "== TypeScript: tsc (type check and build), then node --test"
command -v tsc > /dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq node-typescript > /dev/null; }
part "tsc" tsc -p typescript/tsconfig.json
part "node --test" bounded node --test typescript/test/

echo "== summary"
printf '%s\n' "${SUMMARY[@]}"
exit $FAILED
