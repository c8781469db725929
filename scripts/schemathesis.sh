#!/usr/bin/env bash
# Schemathesis against the Cloud API's own OpenAPI document: starts `payterm serve` on free
# ports with a fixed seed, fetches an access token with the documented credentials, completes
# a sale and a close batch (their results are what the result endpoints answer), runs `st run`
# with schemathesis.toml (fixed seed, bounded examples), stops the server and exits with
# schemathesis's status: non-zero on any failure.
#
# Environment: CARGO (default cargo), CARGO_TARGET_DIR (default target),
# ST_MAX_EXAMPLES (default: schemathesis.toml's), ST_ARGS (extra `st run` arguments).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION='4.32.*'
SEED=7
# 1 virtual second lasts 100 ms: a card sale finishes within half a second, and the access token
# (3600 virtual seconds) outlives the run.
TIME_SCALE=0.1

if ! st --version 2>/dev/null | grep -q 'version 4\.32\.'; then
  echo "schemathesis: installing schemathesis ${SCHEMATHESIS_VERSION}" >&2
  python3 -m pip install --quiet "schemathesis==${SCHEMATHESIS_VERSION}"
fi

"${CARGO:-cargo}" build --locked --quiet --bin payterm
payterm="${CARGO_TARGET_DIR:-target}/debug/payterm"

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

"$payterm" serve --port 0 --control-port 0 --seed "$SEED" --time-scale "$TIME_SCALE" >"$work/serve.log" 2>&1 &
server=$!

# The ports are free ones the server picked; it prints its URL once it listens.
url=""
for _ in $(seq 100); do
  url="$(sed -n 's/^  Cloud API *//p' "$work/serve.log")"
  [[ -n "$url" ]] && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "schemathesis: payterm serve exited before listening:" >&2
    cat "$work/serve.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$url" ]]; then
  echo "schemathesis: payterm serve did not start within 10 s:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi

# A terminal token for the documented example (spec/cloud-api.md § Authentication), then a
# completed card sale and a closed batch: results exist only once a task completed, which no
# generated request waits for, so schemathesis.toml hands their amsIds to the result endpoints.
python3 - "$url" >"$work/data" <<'PY'
import base64, json, sys, time, urllib.parse, urllib.request

base = sys.argv[1]

def call(method, path, body=None, headers=None):
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)

form = urllib.parse.urlencode({"grant_type": "password", "username": "jan.novak@example.com",
                               "password": "ABCDEFGHIJKL", "tid": "999888"}).encode()
token = call("POST", "/cloud/oauth/token", form, {
    "Authorization": "Basic " + base64.b64encode(b"atom:ashfuf4e5fa").decode(),
    "Content-Type": "application/x-www-form-urlencoded"})["access_token"]
bearer = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

def completed(path, body):
    task = call("POST", path, json.dumps(body).encode(), bearer)
    for _ in range(100):
        task = call("GET", "/v1/tasks/" + task["taskId"], headers=bearer)
        if task["state"] == "COMPLETED":
            return task["amsId"]
        time.sleep(0.1)
    sys.exit(f"schemathesis: the {path} task did not complete: {task}")

sale = completed("/v1/tasks/TRANSACTION",
                 {"transactionType": "SALE", "amount": 1111, "currencyCode": "CZK", "paymentMethod": "CARD"})
batch = completed("/v1/tasks/BATCH", {})
print(token, sale, batch)
PY
read -r PAYTERM_TOKEN PAYTERM_SALE_AMS_ID PAYTERM_BATCH_AMS_ID <"$work/data"
export PAYTERM_TOKEN PAYTERM_SALE_AMS_ID PAYTERM_BATCH_AMS_ID

args=(--url "$url" --no-color)
if [[ -n "${ST_MAX_EXAMPLES:-}" ]]; then
  args+=(--max-examples "$ST_MAX_EXAMPLES")
fi
# shellcheck disable=SC2206 # ST_ARGS is split on purpose.
args+=(${ST_ARGS:-})

status=0
# scripts/schemathesis_hooks.py: accepted cases spell whole amounts as integers (see there).
PYTHONPATH="scripts${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=schemathesis_hooks \
  st --config-file schemathesis.toml run "$url/openapi.json" "${args[@]}" || status=$?
exit "$status"
