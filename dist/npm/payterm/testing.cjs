// Test helpers for node:test, Jest or Vitest: `startPayterm()` runs `payterm serve` on free ports
// and reads where it listens from its banner; `stop()` ends it. `runScenarios()` runs `payterm run`.
"use strict";

const { spawn } = require("node:child_process");
const readline = require("node:readline");
const { binaryPath } = require("./index.cjs");

/** Starts `payterm serve --port 0 --control-port 0 ...args`; resolves once it is ready. */
function startPayterm({ args = [], bin = binaryPath() } = {}) {
  const child = spawn(bin, ["serve", "--port", "0", "--control-port", "0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const banner = {};
  const seen = [];
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    child.once("exit", (code) => reject(new Error(`payterm serve exited ${code}:\n${seen.join("\n")}`)));
    child.stderr.on("data", (chunk) => seen.push(String(chunk)));
    lines.on("line", (line) => {
      seen.push(line);
      const words = line.trim().split(/\s+/);
      if (line.trim().startsWith("Cloud API")) banner.cloud = words[words.length - 1];
      else if (words.length > 1 && !(words[0] in banner)) banner[words[0]] = line.trim().slice(words[0].length).trim();
      if (!line.startsWith("Press Ctrl-C")) return;
      lines.close();
      child.removeAllListeners("exit");
      const [username, password] = banner.merchant.split(" (")[0].split(" / ");
      const basic = banner.client.replace("Authorization: ", "");
      const credentials = {
        cloud: { basic, username, password, tid: banner.terminals.split(" ")[0] },
        app2app: { clientID: banner.merchant.split("clientID ")[1].replace(")", "") },
        initiator: { store: banner.store.split(" ")[0] },
      };
      const exited = new Promise((done) => child.once("exit", done));
      resolve({
        url: banner.cloud,
        controlUrl: banner.control,
        app2appUrl: `${banner.cloud}/app2app?uri=`,
        basic,
        credentials,
        process: child,
        /** Ends the server as Ctrl-C would and waits for it. */
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
          await exited;
        },
      });
    });
  });
}

/** Runs `payterm run [--exec exec] ...paths ...args` in `cwd`; resolves to { passed, code, output }. */
function runScenarios({ exec, paths = [], args = [], cwd, bin = binaryPath() } = {}) {
  const argv = ["run", ...(exec ? ["--exec", exec] : []), ...paths, ...args];
  const child = spawn(bin, argv, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ passed: code === 0, code, output })));
}

module.exports = { startPayterm, runScenarios };
