// The GP tom Cloud API client: one access token per terminal, shared by every order (a login
// per TID, refreshed when it runs out), and `call`, one paced, authenticated request of an
// order's flow. The flows themselves (sale, void, close batch) are in cloud.js.
'use strict';

const { SETTINGS: S, now, v2r } = require('./settings');
const { Lost, exchange, retryAfterOf, parseJson, errorCode } = require('./http');
const { Lock, sleepUntil } = require('./waiting');
const { clip } = require('./events');
const { CREDENTIALS } = require('./credentials');
const { text, isObject } = require('./values');
const mistake = require('./mistakes');

const cloud = CREDENTIALS.cloud;
const BASE = (process.env.PAYTERM_URL || 'http://127.0.0.1:7878').replace(/\/+$/, '');
const basicGiven = text(cloud.basic) ?? 'Basic YXRvbTphc2hmdWY0ZTVmYQ==';
const BASIC = basicGiven.toLowerCase().startsWith('basic ') ? basicGiven : `Basic ${basicGiven}`;
/** The terminal the merchant configured (deep links and orders without a `tid` use it). */
const DEFAULT_TID = text(cloud.tid);

/** The token endpoint refused the grant (OAuth error): asking again the same way won't help. */
class TokenRefused extends Error {}

/** One access token (per TID) and the pacing of its endpoint, shared by every order. */
class Slot {
  constructor() {
    this.lock = new Lock();
    this.access = null;
    this.refresh = null;
    this.expiresAt = 0;
    this.nextAt = 0;
    this.streak = 0;
    this.gap = 0;
    this.flagged = false;
  }
}

const slots = new Map();

function slotOf(tid) {
  if (!slots.has(tid)) slots.set(tid, new Slot());
  return slots.get(tid);
}

/** Sends one token request, paced per slot (its own backoff); fills the slot or throws. */
async function tokenRequest(order, slot, path, form) {
  await sleepUntil(slot.nextAt, order.signal);
  const body = Buffer.from(new URLSearchParams(form).toString());
  const headers = {
    Authorization: BASIC,
    'Content-Type': 'application/x-www-form-urlencoded',
    Accept: 'application/json',
  };
  let reply;
  let answer;
  try {
    reply = await exchange(order, 'POST', BASE + path, { headers, body, mark: false });
    if (reply.status >= 500 || reply.status === 429) {
      throw new Lost(`token endpoint answered ${reply.status}`, retryAfterOf(reply.headers));
    }
    answer = parseJson(reply.body);
  } catch (e) {
    if (!(e instanceof Lost)) throw e;
    slot.streak += 1;
    const backoffV = Math.min(S.backoffFirstV * 2 ** Math.min(slot.streak - 1, 30), S.backoffCapV);
    slot.gap = Math.max(slot.gap, v2r(backoffV), e.retryAfter ?? 0);
    slot.nextAt = now() + slot.gap;
    throw e;
  }
  if (reply.status === 200 && isObject(answer) && text(answer.access_token)) {
    slot.streak = 0;
    slot.gap = 0;
    slot.access = answer.access_token;
    slot.refresh = text(answer.refresh_token) ?? slot.refresh;
    const lifetime = Number(answer.expires_in);
    const lifetimeV = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : 3600;
    // Renewed a little before it runs out, so no call meets an expired token on purpose.
    slot.expiresAt = now() + v2r(lifetimeV - Math.min(60, lifetimeV / 10));
    return;
  }
  slot.nextAt = now() + v2r(S.pollV);
  throw new TokenRefused(`${path} answered ${reply.status}: ${clip(reply.body.toString('utf8'), 200)}`);
}

/** A password login for the terminal `tid`. */
async function login(order, slot, tid) {
  const form = { grant_type: 'password', username: text(cloud.username) ?? '', password: text(cloud.password) ?? '' };
  if (tid) form.tid = tid;
  order.log(`password login for terminal ${tid}`);
  try {
    await tokenRequest(order, slot, '/cloud/oauth/token', form);
  } catch (e) {
    if (!(e instanceof TokenRefused)) throw e;
    // The merchant's login is wrong or suspended: a person must look (once).
    if (!slot.flagged) {
      slot.flagged = true;
      order.flag('administrative', `the Cloud API refused the merchant login: ${e.message}`);
    }
    throw new Lost(e.message);
  }
}

/** CLOUD-TOKEN-REUSE: renew with the refresh token; log in again only if it is refused. */
async function refresh(order, slot, tid) {
  if (slot.refresh) {
    order.log(`refreshing the token of terminal ${tid}`);
    try {
      await tokenRequest(order, slot, '/api/oauth/token', { grant_type: 'refresh_token', refresh_token: slot.refresh });
      return;
    } catch (e) {
      if (!(e instanceof TokenRefused)) throw e;
      order.log(`refresh refused (${e.message}); logging in again`);
      slot.refresh = null;
    }
  }
  slot.access = null;
  await login(order, slot, tid);
}

/**
 * The token for `tid`: the one held (reused across calls and orders), refreshed when it is
 * about to run out, or a login the first time. Concurrent orders take turns at the slot's
 * lock, so they never log in twice: the first renews, the others take the new token.
 */
async function token(order, tid) {
  const slot = slotOf(tid);
  const release = await slot.lock.acquire(order.signal);
  try {
    if (mistake.is('login-every-call')) {
      await login(order, slot, tid);
    } else if (!slot.access || now() >= slot.expiresAt) {
      if (slot.access && !mistake.is('login-on-expired-token')) await refresh(order, slot, tid);
      else await login(order, slot, tid);
    }
    if (!slot.access) throw new Lost('no token');
    return slot.access;
  } finally {
    release();
  }
}

/** A 401 for `stale`: refresh on TOKEN_EXPIRED, log in again otherwise. */
async function tokenRejected(order, tid, stale, code) {
  const slot = slotOf(tid);
  const release = await slot.lock.acquire(order.signal);
  try {
    if (slot.access && slot.access !== stale) return; // another order has renewed it already
    if (code === 'TOKEN_EXPIRED' && !mistake.is('login-on-expired-token')) {
      await refresh(order, slot, tid);
    } else {
      slot.access = null;
      await login(order, slot, tid);
    }
  } finally {
    release();
  }
}

/** A token problem is a request that never left: nothing can have happened. */
function notSent(e) {
  if (!(e instanceof Lost) || e.notSent) return e;
  return new Lost(`no token: ${e.message}`, e.retryAfter, { notSent: true });
}

/**
 * One paced request of the order's flow with the token of `tid`. Resolves to
 * {status, json, headers, retry}; `retry` says a 401 was handled (the token renewed) and the
 * same request should be sent again. Rejects with Lost when there is no usable answer (a
 * transport fault, a 5xx/408/429, a body that is not JSON). `timeout` (real seconds)
 * overrides the HTTP timeout.
 */
async function call(order, method, path, tid, body = null, { timeout } = {}) {
  await order.pacer.wait();
  let bearer;
  try {
    bearer = await token(order, tid);
  } catch (e) {
    throw notSent(e);
  }
  const headers = { Authorization: `Bearer ${bearer}`, Accept: 'application/json' };
  if (body !== null) headers['Content-Type'] = 'application/json';
  const data = body === null ? null : Buffer.from(JSON.stringify(body));
  const reply = await exchange(order, method, BASE + path, { headers, body: data, timeout });
  order.log(`${method} ${path} -> ${reply.status}`);
  if (reply.status >= 500 || reply.status === 408 || reply.status === 429) {
    throw new Lost(`${method} ${path} answered ${reply.status}`, retryAfterOf(reply.headers));
  }
  const json = parseJson(reply.body);
  if (reply.status === 401) {
    // Refused before anything was done: renew the token, then send the request again.
    order.unauthorized += 1;
    if (order.unauthorized > 3) {
      order.unauthorized = 0;
      throw new Lost('401 again and again', null, { notSent: true });
    }
    try {
      await tokenRejected(order, tid, bearer, errorCode(json));
    } catch (e) {
      throw notSent(e);
    }
    order.pacer.ok();
    return { status: reply.status, json, headers: reply.headers, retry: true };
  }
  order.unauthorized = 0;
  return { status: reply.status, json, headers: reply.headers, retry: false };
}

module.exports = { BASE, DEFAULT_TID, call };
