// The helper's own example: startPayterm serves the Cloud API; the getting-started integration
// (pos.mjs, starter.toml beside this file) passes its scenario through runScenarios.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startPayterm, runScenarios } from "payterm/testing";

const payterm = await startPayterm();
after(() => payterm.stop());

test("startPayterm serves the documented example", async () => {
  const { username, password, tid } = payterm.credentials.cloud;
  const answer = await fetch(`${payterm.url}/cloud/oauth/token`, {
    method: "POST",
    headers: { Authorization: payterm.basic },
    body: new URLSearchParams({ grant_type: "password", username, password, tid }),
  });
  const token = await answer.json();
  assert.equal(token.tid, "999888");
  assert.equal(token.token_type, "bearer");
});

test("the getting-started integration passes its scenario", async () => {
  const cwd = fileURLToPath(new URL(".", import.meta.url));
  const run = await runScenarios({ exec: "node pos.mjs", paths: ["starter.toml"], cwd });
  assert.ok(run.passed, run.output);
});
