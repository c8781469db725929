#!/usr/bin/env bash
# make dist-test: installs what `make dist` built as a user would — the wheel into a fresh
# virtualenv, the npm tarballs into a fresh npm project, both offline from target/packages —
# then runs the built-in suite with the installed `payterm`, and each helper's own example test
# (the pytest plugin's, the node:test helper's) against the getting-started integration.
# Prints how long each ecosystem took from a fresh environment to its first passing run.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=$PWD
OUT=$ROOT/target/packages
WORK=$ROOT/target/dist-test
PYTEST_VERSION=8.3.4
rm -rf "$WORK"
mkdir -p "$WORK"
seconds() { date +%s.%N; }
took() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$1" "$2"; }

echo "== Python: a fresh virtualenv, the wheel installed offline"
start=$(seconds)
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$OUT"/payterm-*.whl
installed=$(seconds)
mkdir -p "$WORK/python"
(cd "$WORK/python" && "$WORK/venv/bin/payterm" --version && "$WORK/venv/bin/payterm" run)
green=$(seconds)
echo "dist-test: python: installed in $(took "$start" "$installed"), the built-in suite passed $(took "$start" "$green") after the fresh venv"
# The plugin's example needs pytest, from PyPI, pinned.
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "pytest==$PYTEST_VERSION"
cp dist/python/tests/test_example.py docs/examples/getting-started/python/* "$WORK/python/"
(cd "$WORK/python" && "$WORK/venv/bin/python" -m pytest -q -p no:cacheprovider test_example.py)

echo "== Node.js: a fresh npm project, the tarballs installed offline"
start=$(seconds)
mkdir -p "$WORK/node"
cd "$WORK/node"
npm init -y >/dev/null
npm install --offline --no-audit --no-fund --silent "$OUT"/payterm-linux-x64-*.tgz "$OUT"/payterm-[0-9]*.tgz
installed=$(seconds)
npx --no-install payterm --version
npx --no-install payterm run
green=$(seconds)
echo "dist-test: node: installed in $(took "$start" "$installed"), the built-in suite passed $(took "$start" "$green") after the fresh project"
cp "$ROOT"/dist/npm/payterm/example/example.test.mjs "$ROOT"/docs/examples/getting-started/node/* .
node --test example.test.mjs
