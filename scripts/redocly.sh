#!/usr/bin/env bash
# @redocly/cli lint of the Cloud API's OpenAPI document as a running server serves it (its
# `servers` naming the loopback URL it really has), with the recommended rules and every
# warning counted as an error (recommended-strict). Installs the pinned @redocly/cli under
# target/redocly with npm when it is missing or another version.
#
# Environment: CARGO (default cargo), CARGO_TARGET_DIR (default target).
set -euo pipefail
cd "$(dirname "$0")/.."

REDOCLY_VERSION='2.77.0'
target="${CARGO_TARGET_DIR:-target}"
prefix="$target/redocly"
redocly="$prefix/node_modules/.bin/redocly"
# No telemetry, no update banner: CI reaches only the package registries.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

if ! command -v npm >/dev/null; then
  echo "redocly: npm is not on PATH; install Node.js and npm (apt-get install nodejs npm)" >&2
  exit 1
fi
if [[ "$("$redocly" --version 2>/dev/null || true)" != "$REDOCLY_VERSION" ]]; then
  echo "redocly: installing @redocly/cli ${REDOCLY_VERSION} under $prefix" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@redocly/cli@${REDOCLY_VERSION}" >&2
fi

"${CARGO:-cargo}" build --locked --quiet --bin payterm
payterm="$target/debug/payterm"

work="$(mktemp -d)"
server=""
cleanup() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill -INT "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$payterm" serve --port 0 --control-port 0 --seed 7 >"$work/serve.log" 2>&1 &
server=$!
url=""
for _ in $(seq 100); do
  url="$(sed -n 's/^  Cloud API *//p' "$work/serve.log")"
  [[ -n "$url" ]] && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "redocly: payterm serve exited before listening:" >&2
    cat "$work/serve.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$url" ]]; then
  echo "redocly: payterm serve did not start within 10 s" >&2
  exit 1
fi

python3 - "$url/openapi.json" "$work/openapi.json" <<'PY'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as answer, open(sys.argv[2], "wb") as out:
    out.write(answer.read())
PY
redocly="$(cd "$(dirname "$redocly")" && pwd)/redocly"
(cd "$work" && "$redocly" lint --extends=recommended-strict openapi.json)
