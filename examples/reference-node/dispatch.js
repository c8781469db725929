// Orders in, outcomes out: `serve` reads one JSON order per line on stdin until EOF, dates
// each by when it arrived (its deadline counts from then), runs every order at once on the
// surface it names — the event loop interleaves them, no threads — and returns when stdin is
// closed and every order has its final outcome.
'use strict';

const { SETTINGS: S, now } = require('./settings');
const { log, clip } = require('./events');
const { GiveUp } = require('./waiting');
const { Order, ORDERS } = require('./order');
const { isObject } = require('./values');
const cloud = require('./cloud');
const app2app = require('./app2app');
const initiator = require('./initiator');

const HANDLERS = {
  cloud: { sale: cloud.sale, void: cloud.void, close_batch: cloud.closeBatch },
  app2app: { sale: app2app.sale, void: app2app.void, close_batch: app2app.closeBatch },
  initiator: { invoice: initiator.invoice, sale: initiator.invoice },
};

function dispatch(order) {
  const { operation: op } = order;
  // An invoice always goes to the initiator; an order without a surface to the Cloud API.
  const surface = op === 'invoice' ? 'initiator' : order.surface || 'cloud';
  const handler = HANDLERS[surface]?.[op];
  if (handler) return handler(order);
  const what = `operation ${JSON.stringify(op)} on surface ${JSON.stringify(order.surface)}`;
  order.flag('engineering', `${what} is not supported`);
  return order.report('unknown');
}

/**
 * Runs one order to its outcome. At its give-up time the order's signal aborts every wait of
 * its flow (a pause, a request, an initiator run: the program is killed) and `unknown` is
 * reported if nothing final is known — never `not_paid` for a payment that may still be
 * captured (LIVENESS-OUTCOME, MONEY-NO-LOST-PAYMENT). A bug in one flow is caught here and
 * never stops the others (HYPE-SKIP-FLAGGED).
 */
async function runOrder(order) {
  order.log(`order ${JSON.stringify(order.raw)}`);
  const timer = setTimeout(() => order.giveUp(), Math.max(0, (order.giveUpAt - now()) * 1000));
  try {
    await dispatch(order);
  } catch (e) {
    if (!(e instanceof GiveUp)) {
      order.log(`internal error: ${e?.stack ?? e}`);
      if (order.outcome === null) {
        order.flag('engineering', 'internal error in the integration');
        order.report('unknown');
      }
    }
  } finally {
    clearTimeout(timer);
    order.markFinal();
  }
}

/** Takes one line of stdin: an order to start, or a line to log and skip. */
function take(line, received, running) {
  const trimmed = line.trim();
  if (!trimmed) return;
  let raw;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    return log('pos', `not an order (not JSON): ${clip(trimmed, 200)}`);
  }
  if (!isObject(raw) || raw.id === undefined || raw.id === null) {
    return log('pos', `not an order: ${clip(trimmed, 200)}`);
  }
  const order = new Order(raw, received);
  if (ORDERS.has(order.id)) return log('pos', `order ${order.id} given twice; ignoring the second`);
  ORDERS.set(order.id, order);
  running.push(runOrder(order));
  return undefined;
}

/** Reads the orders and runs them; resolves once stdin is closed and every order is done. */
function serve() {
  // The harness starts the scenario's clock at our first line, so this one comes when we are
  // ready to read: no order can have been given before it.
  log('pos', `time scale ${S.scale}, poll ${S.pollV}v, backoff ${S.backoffFirstV}v..${S.backoffMaxV}v`);
  const running = [];
  let buffer = '';
  let since = null; // when the first part of the line in `buffer` arrived
  return new Promise((resolve) => {
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => {
      const arrived = now();
      buffer += chunk;
      let end = buffer.indexOf('\n');
      while (end >= 0) {
        take(buffer.slice(0, end), since ?? arrived, running);
        buffer = buffer.slice(end + 1);
        since = null;
        end = buffer.indexOf('\n');
      }
      since = buffer ? (since ?? arrived) : null;
    });
    process.stdin.on('end', async () => {
      if (buffer.trim()) take(buffer, since ?? now(), running);
      log('pos', "stdin closed; waiting for every order's outcome");
      await Promise.allSettled(running);
      log('pos', 'done');
      resolve();
    });
  });
}

module.exports = { serve };
