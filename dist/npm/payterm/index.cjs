// Where the payterm binary is: the per-platform package (@payterm/<platform>-<arch>) that npm
// installed as an optional dependency, as esbuild and Biome ship theirs; $PAYTERM_BIN overrides.
"use strict";

const path = require("node:path");

/** The packages that carry a binary, by `${process.platform}-${process.arch}`. */
const PLATFORMS = { "linux-x64": "@payterm/linux-x64" };

function binaryPath() {
  if (process.env.PAYTERM_BIN) return process.env.PAYTERM_BIN;
  const key = `${process.platform}-${process.arch}`;
  const pkg = PLATFORMS[key];
  if (!pkg) {
    throw new Error(`payterm has no binary for ${key} yet (hint: set PAYTERM_BIN to a payterm you built)`);
  }
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "bin", "payterm");
  } catch {
    throw new Error(`${pkg} is not installed (hint: install payterm without --no-optional)`);
  }
}

module.exports = { binaryPath, PLATFORMS };
