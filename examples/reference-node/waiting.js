// Waiting without threads: every wait of an order is a promise tied to the order's abort
// signal, which fires at its give-up time, so no wait (a pause, a turn at a lock, another
// order's outcome) can hold an order past its deadline. `GiveUp` is what such a wait throws.
'use strict';

const { now } = require('./settings');

/** The order's deadline has come: report what is known (`unknown` if nothing final). */
class GiveUp extends Error {
  constructor() {
    super('the deadline has come');
    this.name = 'GiveUp';
  }
}

/**
 * Resolves once `t` (real seconds on the `now()` clock) has come, or `wake` (a promise)
 * resolves first; rejects with GiveUp when `signal` aborts.
 */
function sleepUntil(t, signal, wake) {
  if (signal?.aborted) return Promise.reject(new GiveUp());
  return new Promise((resolve, reject) => {
    let timer = null;
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    const onAbort = () => {
      cleanup();
      reject(new GiveUp());
    };
    // A timer may fire a little early against the monotonic clock (the event loop caches its
    // time): sleep again until `t` has truly come, so a wait is never shorter than asked.
    const arm = () => {
      const left = t - now();
      if (left <= 0) return done();
      timer = setTimeout(arm, Math.ceil(left * 1000));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    wake?.then(done, () => {});
    arm();
  });
}

/** Waits `promise` out, or rejects with GiveUp when `signal` aborts first. */
function orGiveUp(promise, signal) {
  if (signal.aborted) return Promise.reject(new GiveUp());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new GiveUp());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** A mutex for async code: one holder at a time, first come first served. */
class Lock {
  constructor() {
    this.held = false;
    this.queue = [];
  }

  /** Resolves to a `release` function once it is this caller's turn; GiveUp on `signal`. */
  acquire(signal) {
    if (signal?.aborted) return Promise.reject(new GiveUp());
    if (!this.held) {
      this.held = true;
      return Promise.resolve(this.handle());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.handle());
        },
      };
      const onAbort = () => {
        this.queue = this.queue.filter((w) => w !== waiter);
        reject(new GiveUp());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  /** A release function that acts once, however often it is called. */
  handle() {
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.release();
      }
    };
  }

  release() {
    const next = this.queue.shift();
    if (next) next.grant();
    else this.held = false;
  }
}

module.exports = { GiveUp, sleepUntil, orGiveUp, Lock };
