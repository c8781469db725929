#!/usr/bin/env node
// `npx payterm …`: runs the platform's binary with the same arguments, stdin, stdout and stderr,
// and exits as it did (a signal it died of is passed on).
"use strict";

const { spawnSync } = require("node:child_process");
const { binaryPath } = require("../index.cjs");

let bin;
try {
  bin = binaryPath();
} catch (e) {
  console.error(`payterm: ${e.message}`);
  process.exit(4);
}
const done = spawnSync(bin, process.argv.slice(2), { stdio: "inherit" });
if (done.error) {
  console.error(`payterm: failed to run ${bin}: ${done.error.message}`);
  process.exit(4);
}
if (done.signal) process.kill(process.pid, done.signal);
process.exit(done.status ?? 1);
