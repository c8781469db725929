// HTTP on loopback: `exchange` makes one bounded exchange, and anything short of a complete
// answer becomes `Lost` (a reset, a timeout, a truncated body). Also the small codecs every
// surface needs: Retry-After, JSON bodies, RFC 3986 percent-encoding.
'use strict';

const http = require('node:http');
const https = require('node:https');

const { SETTINGS: S } = require('./settings');
const { GiveUp } = require('./waiting');
const { log } = require('./events');
const { isObject } = require('./values');
const mistake = require('./mistakes');

/** No usable answer: a transport fault, a 5xx, a truncated or malformed body. */
class Lost extends Error {
  constructor(why, retryAfter = null, { notSent = false } = {}) {
    super(why);
    this.name = 'Lost';
    this.retryAfter = retryAfter; // real seconds to wait, when the answer said
    this.notSent = notSent; // the request never left (no token): nothing can have happened
  }
}

/**
 * One exchange for `order`, bounded as a whole (not only each read) by `timeout` real
 * seconds (default: the HTTP timeout) and by the order's deadline, so an answer that hangs or
 * drips counts as lost. Resolves to {status, headers (lower-case names), body (Buffer)};
 * rejects with Lost, or GiveUp at the deadline. No connection is kept for the next exchange
 * (`agent: false`), so a reset or a hang on one cannot leak into another; no redirect is
 * followed (the app2app answer is a 302 to the integration's own scheme).
 */
function exchange(order, method, url, { headers = {}, body = null, timeout = S.httpTimeout, mark = true } = {}) {
  if (order.signal.aborted) return Promise.reject(new GiveUp());
  const limit = Math.min(timeout, Math.max(0.01, order.remaining()));
  const target = new URL(url);
  const path = target.pathname + target.search;
  const sent = { ...headers };
  if (body !== null) sent['Content-Length'] = String(body.length);
  if (mark) order.pacer.markStart();
  return new Promise((resolve, reject) => {
    let settled = false;
    let req = null;
    const finish = (error, answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      order.signal.removeEventListener('abort', onAbort);
      if (error) {
        req?.destroy();
        reject(error);
      } else {
        resolve(answer);
      }
    };
    const onAbort = () => finish(new GiveUp());
    const timer = setTimeout(() => {
      finish(new Lost(`${method} ${path}: no complete answer within ${(limit / S.scale).toFixed(0)}v`));
    }, limit * 1000);
    order.signal.addEventListener('abort', onAbort, { once: true });
    const client = target.protocol === 'https:' ? https : http;
    const { protocol, port } = target;
    const hostname = target.hostname.replace(/^\[(.*)\]$/, '$1'); // an IPv6 literal without brackets
    req = client.request(
      { protocol, hostname, port, path, method, headers: sent, agent: false },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          if (!res.complete) return finish(new Lost(`${method} ${path}: the answer was cut short`));
          finish(null, { status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', (e) => finish(new Lost(`${method} ${path}: ${e.code ?? e.message}`)));
        res.on('close', () => finish(new Lost(`${method} ${path}: the connection closed mid-answer`)));
      },
    );
    req.on('error', (e) => finish(new Lost(`${method} ${path}: ${e.code ?? e.message}`)));
    req.end(body ?? undefined);
  });
}

/**
 * Real seconds to wait from a Retry-After answer. `X-Payterm-Retry-After-Virtual` is exact
 * (virtual seconds); `Retry-After` is the same wait in real seconds rounded up to a whole
 * second, which at a small time scale can be a hundred times longer than asked (and eat the
 * deadline). The exact one is used when present, with a small margin so the retry is never
 * early (driver.md, Time); else the standard header (seconds or an HTTP date).
 */
function retryAfterOf(headers) {
  const exact = Number.parseFloat(headers?.['x-payterm-retry-after-virtual'] ?? '');
  if (Number.isFinite(exact)) return exact * S.scale * 1.02 + 0.002;
  const value = headers?.['retry-after']?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.max(0, Number(value));
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, (when - Date.now()) / 1000);
}

/** A JSON body; an empty one is null. A body that does not parse was not a usable answer. */
function parseJson(body) {
  if (!body || body.length === 0) return null;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    if (mistake.is('crash-on-unreadable-answer')) {
      log('pos', 'an answer that is not JSON: crashing');
      process.exit(70);
    }
    throw new Lost('malformed JSON');
  }
}

/** The `error.code` of an error body (or an OAuth `error` string). */
function errorCode(body) {
  const err = isObject(body) ? body.error : undefined;
  if (isObject(err)) return typeof err.code === 'string' ? err.code : null;
  return typeof err === 'string' ? err : null;
}

/** Percent-encodes all but RFC 3986's unreserved characters: a space is %20, never +. */
function pct(value) {
  return encodeURIComponent(String(value)).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Percent-decodes by RFC 3986 rules: a + stays a +; a bad escape stays as it is. */
function pctDecode(value) {
  const bytes = [];
  const src = Buffer.from(value, 'utf8');
  for (let i = 0; i < src.length; i += 1) {
    const hex = src[i] === 0x25 ? src.subarray(i + 1, i + 3).toString('latin1') : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(src[i]);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

module.exports = { Lost, exchange, retryAfterOf, parseJson, errorCode, pct, pctDecode };
