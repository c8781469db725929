#!/usr/bin/env bash
# `make test`: every test. cargo-nextest runs them (installed first when missing, as .ci/run
# does); where it cannot be installed, cargo test runs them instead, the two timing-sensitive
# tests alone afterwards as .config/nextest.toml has nextest do. Then the doc tests.
set -uo pipefail
CARGO="${CARGO:-cargo}"
# Run alone: their verdicts hang on how fast the machine runs the integration.
ALONE=(explore::exploring_from_a_fixed_seed suite_snapshots::)

nextest=1
if ! "$CARGO" nextest --version >/dev/null 2>&1; then
  echo "make test: cargo-nextest is missing; installing it (cargo install --locked cargo-nextest)" >&2
  if ! "$CARGO" install --locked cargo-nextest; then
    echo "make test: cargo-nextest could not be installed; running the tests with cargo test instead" >&2
    nextest=0
  fi
fi

status=0
if [ "$nextest" = 1 ]; then
  "$CARGO" nextest run --locked --no-fail-fast || status=1
else
  skips=()
  for t in "${ALONE[@]}"; do skips+=(--skip "$t"); done
  "$CARGO" test --locked --no-fail-fast --lib --bins --test integration -- "${skips[@]}" || status=1
  "$CARGO" test --locked --no-fail-fast --test integration -- --test-threads 1 "${ALONE[@]}" || status=1
fi
"$CARGO" test --locked --doc || status=1
exit "$status"
