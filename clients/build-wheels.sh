#!/usr/bin/env bash
# Builds the Python package's two wheels into clients/dist/:
#   countersign-<v>-py3-none-any.whl                  the client alone (pure Python)
#   countersign-<v>-py3-none-manylinux_<glibc>_<arch>.whl  the client and the gateway binary, so that
#                                                      `pip install countersign && countersign serve` works without Swift
# The binary is $COUNTERSIGN_BIN, or built here with `swift build -c release --static-swift-stdlib`
# (the Swift standard library linked in, as ruff and uv ship theirs), stripped, and carried as the
# wheel's script. `auditwheel show` names the manylinux tag the binary allows; the wheel gets it.
# Prints the platform wheel's path last (for COUNTERSIGN_WHEEL=… clients/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/clients/dist
PIP=(--quiet --disable-pip-version-check)

BIN=${COUNTERSIGN_BIN:-}
if [ -z "$BIN" ]; then
    swift build -c release --static-swift-stdlib --product countersign
    BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/countersign
fi
[ -x "$BIN" ] || { echo "no countersign executable at $BIN" >&2; exit 1; }

VENV=$ROOT/clients/.venv-build
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install "${PIP[@]}" 'hatchling==1.33.0' 'auditwheel==6.8.2' 'wheel==0.45.1'

rm -rf "$OUT" && mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== the pure-Python wheel (the client alone)"
env -u COUNTERSIGN_BINARY "$VENV/bin/pip" wheel "${PIP[@]}" --no-deps --no-build-isolation -w "$OUT" clients/python

echo "== the platform wheel (the client and the gateway binary)"
cp "$BIN" "$WORK/countersign"
strip "$WORK/countersign"
echo "   binary: $(du -h "$WORK/countersign" | cut -f1) stripped ($(du -h "$BIN" | cut -f1) as built); dynamic libraries:"
ldd "$WORK/countersign" | sed 's/^/     /'
echo "   newest glibc symbol version it needs: $(objdump -T "$WORK/countersign" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
COUNTERSIGN_BINARY="$WORK/countersign" COUNTERSIGN_PLATFORM_TAG="linux_$(uname -m)" \
    "$VENV/bin/pip" wheel "${PIP[@]}" --no-deps --no-build-isolation -w "$WORK/wheel" clients/python
RAW=$(ls "$WORK"/wheel/*.whl)

echo "== auditwheel show"
SHOW=$("$VENV/bin/auditwheel" show "$RAW" 2>&1) || true
echo "$SHOW" | sed 's/^/   /'
TAG=$(echo "$SHOW" | grep -oE 'manylinux_[0-9]+_[0-9]+_[a-z0-9_]+' | head -1)
if [ -n "$TAG" ]; then
    "$VENV/bin/python" -m wheel tags --remove --platform-tag "$TAG" "$RAW" > /dev/null
    RAW=$(ls "$WORK"/wheel/*.whl)
fi
mv "$RAW" "$OUT/"
echo "== built"
ls -l "$OUT" | tail -n +2 | sed 's/^/   /'
ls "$OUT"/*manylinux*.whl "$OUT"/*linux_*.whl 2>/dev/null | head -1
