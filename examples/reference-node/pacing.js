// Pacing of one order's requests: `Pacer` spaces them after a good answer (the poll interval)
// and backs off after a fault (growing, never shrinking, never before a Retry-After), as
// RATE-NO-STORM and "later" in spec/conformance.md ask.
'use strict';

const { SETTINGS: S, now, v2r } = require('./settings');
const { log } = require('./events');
const { sleepUntil } = require('./waiting');
const mistake = require('./mistakes');

/**
 * After an answer: the next request no sooner than `pollV` after it. After a fault: a backoff
 * of `backoffFirstV`, doubling up to `backoffCapV`, then growing by a tenth each time (up to
 * `backoffMaxV`), never shorter than a Retry-After the answer carried, and never shrinking
 * while the faults go on. Waits count from the end of the previous exchange. In a run of
 * faults the next request also never comes sooner after the last exchange ended than the
 * time from the start of the exchange before it to that end — the longest the previous
 * interval can have been where the other side saw it, since the judge measures request to
 * request and where within an exchange the request was seen is unknown (the initiator
 * program's start-up, a loaded machine). That extra wait is at most `backoffCapV` more than
 * the backoff (a long hang is no reason to wait as long again) and never beyond `backoffMaxV`.
 */
class Pacer {
  constructor(order) {
    this.order = order;
    this.nextAt = 0;
    this.streak = 0; // consecutive faults
    this.gap = 0; // real seconds waited after the last fault
    this.start = null; // when the last exchange began
    this.prevStart = null; // and the one before it
  }

  /** Waits until the next request may go (or `wake` resolves); GiveUp at the deadline. */
  wait(wake) {
    return sleepUntil(this.nextAt, this.order.signal, wake);
  }

  /** An exchange begins (a request is sent, the initiator program started). */
  markStart() {
    this.prevStart = this.start;
    this.start = now();
  }

  /** A good answer: the next request after the poll interval; the fault streak ends. */
  ok() {
    this.streak = 0;
    this.gap = 0;
    this.nextAt = mistake.is('poll-without-pause') ? now() : now() + v2r(S.pollV);
  }

  /** A fault; `retryAfter` in real seconds when the answer carried one. */
  fault(retryAfter = null, why = '') {
    this.streak += 1;
    const t = now();
    if (mistake.is('retry-at-once')) {
      this.nextAt = t;
      return;
    }
    let gap;
    if (this.streak === 1) gap = v2r(S.backoffFirstV);
    else if (this.gap * 2 <= v2r(S.backoffCapV)) gap = this.gap * 2;
    else gap = Math.max(v2r(S.backoffCapV), this.gap * 1.1);
    // Never shrinking while the faults go on, never longer than the maximum.
    gap = Math.max(Math.min(gap, v2r(S.backoffMaxV)), this.gap);
    if (retryAfter !== null && !mistake.is('retry-before-retry-after')) gap = Math.max(gap, retryAfter);
    this.gap = gap;
    let nextAt = t + gap;
    if (this.streak >= 2 && this.prevStart !== null) {
      const again = Math.min(t + (t - this.prevStart), nextAt + v2r(S.backoffCapV));
      nextAt = Math.max(nextAt, Math.min(again, t + v2r(S.backoffMaxV)));
    }
    this.nextAt = nextAt;
    const reason = why ? `: ${why}` : '';
    log(this.order.id, `fault #${this.streak}${reason}; next try in ${((nextAt - t) / S.scale).toFixed(2)}v`);
  }
}

module.exports = { Pacer };
