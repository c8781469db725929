// Output: events on stdout (one JSON object per line, each written whole at once, as
// spec/driver.md asks) and logs on stderr, which the harness keeps and shows in its report.
'use strict';

const { SETTINGS, now } = require('./settings');

// The harness gone (a closed pipe) is no reason to crash.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

/** Writes one event line. Writes to a pipe are synchronous on Linux, so it is flushed. */
function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** One log line on stderr, stamped with the virtual time since the start. */
function log(who, message) {
  const elapsedV = (now() / SETTINGS.scale).toFixed(2).padStart(9);
  process.stderr.write(`[pos-js ${elapsedV}v] ${who}: ${message}\n`);
}

/** At most `n` characters of `text` (for logs of foreign answers). */
function clip(text, n) {
  const s = String(text);
  return s.length > n ? s.slice(0, n) : s;
}

module.exports = { emit, log, clip };
