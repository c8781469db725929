#!/usr/bin/env bash
# make dist: the Python wheel (maturin, `bindings = "bin"`) and the npm packages (the main
# `payterm` package and the per-platform `@payterm/linux-x64`), in target/packages, from one
# build of the `dist` profile: maturin runs that build, and the npm package copies its binary.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
OUT=target/packages
TOOLS=target/tools/python
MATURIN_VERSION=1.9.6
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)

# maturin, pinned, in a virtualenv of its own under target/ (PyPI ships it with its binary).
if ! "$TOOLS/bin/maturin" --version 2>/dev/null | grep -q " $MATURIN_VERSION\$"; then
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check "maturin==$MATURIN_VERSION"
fi

rm -rf "$OUT"
mkdir -p "$OUT/npm"

# The wheel: maturin builds the binary with the dist profile (pyproject.toml) and packs it with
# the pytest plugin.
(cd dist/python && CARGO="$CARGO" "../../$TOOLS/bin/maturin" build --quiet --out "../../$OUT")

# The npm packages: staged copies carrying Cargo.toml's version, the platform one with the binary.
for pkg in payterm linux-x64; do
  cp -R "dist/npm/$pkg" "$OUT/npm/$pkg"
  rm -rf "$OUT/npm/$pkg/example"
done
mkdir -p "$OUT/npm/linux-x64/bin"
cp target/dist/payterm "$OUT/npm/linux-x64/bin/payterm"
chmod 755 "$OUT/npm/linux-x64/bin/payterm"
node -e '
  const fs = require("fs");
  const [version, ...files] = process.argv.slice(1);
  for (const file of files) {
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    pkg.version = version;
    for (const dep of Object.keys(pkg.optionalDependencies || {})) pkg.optionalDependencies[dep] = version;
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
  }' "$VERSION" "$OUT/npm/payterm/package.json" "$OUT/npm/linux-x64/package.json"
(cd "$OUT" && npm pack --silent ./npm/linux-x64 ./npm/payterm >/dev/null)
rm -rf "$OUT/npm"

ls -l "$OUT"
