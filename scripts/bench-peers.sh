#!/usr/bin/env bash
# Installs the peers `make bench` runs beside payterm into target/bench/peers (BENCH_PEERS_DIR):
# WireMock (Java) through the npm package `wiremock`, which ships the standalone jar, and the
# Mockoon CLI, at pinned versions (keep them equal to VERSION in benches/peers/java_wiremock.rs
# and benches/peers/mockoon.rs). Never fails the bench: a peer that is not installed is reported
# by the bench as not run, with the reason.
#
# Environment: BENCH_PEERS (0 skips the install), BENCH_PEERS_DIR, CARGO_TARGET_DIR.
set -uo pipefail
cd "$(dirname "$0")/.."

WIREMOCK_VERSION=3.13.2
MOCKOON_VERSION=9.9.0
dir="${BENCH_PEERS_DIR:-${CARGO_TARGET_DIR:-target}/bench/peers}"

if [ "${BENCH_PEERS:-1}" = 0 ]; then
  echo "bench peers: not installed (BENCH_PEERS=0)"
  exit 0
fi
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "bench peers: npm or node is not on PATH; WireMock (Java) and Mockoon will not run"
  exit 0
fi
if ! command -v java >/dev/null; then
  echo "bench peers: java is not on PATH; WireMock (Java) will not run (Java 17 runs it)"
fi
mkdir -p "$dir"
abs="$(cd "$dir" && pwd)"
installed() { node -p "require('$abs/node_modules/$1/package.json').version" 2>/dev/null; }
if [ "$(installed wiremock)" = "$WIREMOCK_VERSION" ] && [ "$(installed @mockoon/cli)" = "$MOCKOON_VERSION" ]; then
  echo "bench peers: wiremock $WIREMOCK_VERSION and @mockoon/cli $MOCKOON_VERSION already in $dir"
  exit 0
fi
echo "bench peers: npm install wiremock@$WIREMOCK_VERSION @mockoon/cli@$MOCKOON_VERSION into $dir"
if npm install --prefix "$abs" --no-audit --no-fund --save-exact \
  "wiremock@$WIREMOCK_VERSION" "@mockoon/cli@$MOCKOON_VERSION" >"$abs/npm-install.log" 2>&1; then
  echo "bench peers: installed"
else
  echo "bench peers: npm install failed (the bench will say which peer did not run); last lines of $dir/npm-install.log:"
  tail -n 5 "$abs/npm-install.log" | sed 's/^/  | /'
fi
exit 0
