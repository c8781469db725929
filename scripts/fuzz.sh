#!/usr/bin/env bash
# Fuzzes payterm's parsers with cargo-fuzz (libFuzzer): installs cargo-fuzz if missing, seeds
# each target's corpus from real inputs (the built-in scenarios and the invalid ones the tests
# use, every gptom:// link the code and tests hold, fuzz/seeds/), then runs each target for
# FUZZ_SECS seconds, or for FUZZ_RUNS inputs. Exits non-zero if any target crashed; the input is
# in fuzz/artifacts/.
#
# Usage: scripts/fuzz.sh [TARGET...]   (default: every target)
# Environment: FUZZ_SECS (default 300), FUZZ_RUNS (a number of inputs instead of a time: with
# FUZZ_SEED and a fresh corpus the same inputs on every machine, which is what CI uses),
# FUZZ_SEED (libFuzzer's -seed; default 0, a random one), FUZZ_SANITIZER (default none: payterm forbids unsafe
# code, so AddressSanitizer would only slow the build and the runs; `address` to use it),
# FUZZ_JOBS (parallel fuzzing processes per target, default 1), CARGO (default cargo),
# CARGO_TARGET_DIR (honoured by cargo-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO="${CARGO:-cargo}"
SECS="${FUZZ_SECS:-300}"
RUNS="${FUZZ_RUNS:-}"
SEED="${FUZZ_SEED:-0}"
SANITIZER="${FUZZ_SANITIZER:-none}"
JOBS="${FUZZ_JOBS:-1}"
ALL_TARGETS=(scenario deep_link cloud_json initiator_stdin)
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=("${ALL_TARGETS[@]}")
fi

# cargo-fuzz needs nightly flags (-Zsanitizer, -Cpasses); RUSTC_BOOTSTRAP lets stable take them.
export RUSTC_BOOTSTRAP=1

if ! "$CARGO" fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz" >&2
  "$CARGO" install --locked cargo-fuzz
fi

# Copies a file into a corpus under its content's hash, as libFuzzer names its own finds, so
# seeding twice adds nothing.
seed_file() {
  local corpus="$1" file="$2"
  cp "$file" "$corpus/seed-$(sha1sum "$file" | cut -c1-16)"
}

seed_text() {
  local corpus="$1" text="$2"
  local name
  name="seed-$(printf '%s' "$text" | sha1sum | cut -c1-16)"
  printf '%s' "$text" >"$corpus/$name"
}

seed() {
  local target="$1" corpus="fuzz/corpus/$1"
  mkdir -p "$corpus"
  if [[ -d "fuzz/seeds/$target" ]]; then
    for f in fuzz/seeds/"$target"/*; do seed_file "$corpus" "$f"; done
  fi
  case "$target" in
    scenario)
      while IFS= read -r f; do seed_file "$corpus" "$f"; done \
        < <(find scenarios tests/invalid-scenarios emulator/cli/init_files -name '*.toml' 2>/dev/null)
      ;;
    deep_link)
      # Every link written in the code, the tests and the scenarios, as far as a quote ends it.
      while IFS= read -r link; do seed_text "$corpus" "$link"; done \
        < <(grep -rhoE "gptom:[^\"' \\\\)\`]+" emulator tests scenarios | sort -u)
      ;;
  esac
  echo "fuzz: $target corpus holds $(find "$corpus" -type f | wc -l) inputs" >&2
}

for t in "${targets[@]}"; do
  if [[ ! " ${ALL_TARGETS[*]} " == *" $t "* ]]; then
    echo "fuzz: no target '$t' (targets: ${ALL_TARGETS[*]})" >&2
    exit 2
  fi
  seed "$t"
done

# One cargo invocation builds every target at once (`cargo fuzz run` would build them one by one).
if [[ ${#targets[@]} -gt 1 ]]; then
  "$CARGO" fuzz build --sanitizer "$SANITIZER"
fi

# More than one job makes libFuzzer fork workers that log to fuzz-N.log files; one job keeps
# the output (and a crash's report) on the terminal.
parallel=()
if [[ "$JOBS" -gt 1 ]]; then
  parallel=(-jobs="$JOBS" -workers="$JOBS")
fi

# libFuzzer's default cap is 4 KiB; deep links have caps at 2 and 8 KiB and scenario files run
# longer, so their inputs may grow past the caps they test.
max_len() {
  case "$1" in
    scenario) echo 16384 ;;
    deep_link) echo 12288 ;;
    *) echo 4096 ;;
  esac
}

if [[ -n "$RUNS" ]]; then
  budget=(-runs="$RUNS")
  what="$RUNS inputs"
else
  budget=(-max_total_time="$SECS")
  what="${SECS} s"
fi

# libFuzzer writes crash inputs under fuzz/artifacts/TARGET; a fresh clone has none yet.
artifacts() { mkdir -p "fuzz/artifacts/$1" && find "fuzz/artifacts/$1" -type f | wc -l; }

failed=()
broken=()
for t in "${targets[@]}"; do
  echo "fuzz: $t for $what (seed $SEED)" >&2
  before=$(artifacts "$t")
  if ! "$CARGO" fuzz run --sanitizer "$SANITIZER" "$t" "fuzz/corpus/$t" -- \
      "${budget[@]}" -seed="$SEED" -max_len="$(max_len "$t")" -timeout=10 -print_final_stats=1 "${parallel[@]}"; then
    # libFuzzer writes the input of a crash, a leak or a timeout as an artifact; a failure
    # without one is the build or the run itself, not something the target found.
    if [[ $(artifacts "$t") -gt $before ]]; then failed+=("$t"); else broken+=("$t"); fi
  fi
done

if [[ ${#broken[@]} -gt 0 ]]; then
  echo "fuzz: failed to build or start: ${broken[*]} (no crash input was written; see the output above)" >&2
fi
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: crashes in: ${failed[*]} (inputs under fuzz/artifacts/; turn each into a regression test beside the parser it broke)" >&2
fi
if [[ ${#failed[@]} -gt 0 || ${#broken[@]} -gt 0 ]]; then
  exit 1
fi
echo "fuzz: no crash in ${targets[*]} ($what each)" >&2
