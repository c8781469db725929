// One order as the cashier gave it and what became of it: its deadline (an abort signal at
// its give-up time), the ids it reports, its flags and outcomes; and the registry of every
// order given so far and the sales this process made (a void needs the sale's terminal).
'use strict';

const { SETTINGS: S, now, v2r } = require('./settings');
const { emit, log, clip } = require('./events');
const { Pacer } = require('./pacing');
const { orGiveUp, sleepUntil } = require('./waiting');
const { text } = require('./values');
const mistake = require('./mistakes');

/** Every order given so far, by id. */
const ORDERS = new Map();
/** amsId → TID of the sales this process made. */
const KNOWN_SALES = new Map();

class Order {
  /** The order in `raw` (a JSON object with an `id`), given at `received` at the earliest. */
  constructor(raw, received) {
    this.raw = raw;
    this.id = String(raw.id);
    this.operation = text(raw.operation) ?? '';
    this.surface = text(raw.surface) ?? '';
    this.reference = text(raw.reference) ?? `REF-${this.id}`;
    const given = Number(raw.deadline_s);
    const deadlineV = Number.isFinite(given) && given > 0 ? given : 300;
    // The margin is at most 15 % of the order's time, so a short deadline still leaves most.
    const margin = Math.min(S.giveUpMargin, v2r(deadlineV) * 0.15);
    this.received = received;
    this.giveUpAt = received + v2r(deadlineV) - margin;
    this.controller = new AbortController();
    this.signal = this.controller.signal; // aborts at the give-up time
    this.ids = {}; // taskId, amsId, identifier: reported with every outcome
    this.outcome = null;
    this.sale = null; // {ams, tid} of a sale this order made, for a void naming it with `of`
    this.pacer = new Pacer(this);
    this.unauthorized = 0; // 401s in a row
    this.final = new Promise((resolve) => {
      this.markFinal = resolve; // its outcome is out (or it gave up)
    });
  }

  /** Real seconds until the order gives up. */
  remaining() {
    return this.giveUpAt - now();
  }

  /** The order's `printByPaymentApp`, when the cashier set it (else null). */
  get printByPaymentApp() {
    return typeof this.raw.printByPaymentApp === 'boolean' ? this.raw.printByPaymentApp : null;
  }

  /** An order field as text (see values.text). */
  field(key) {
    return text(this.raw[key]);
  }

  log(message) {
    log(this.id, message);
  }

  /** Records an id to report with the outcome. */
  setId(key, value) {
    if (value) this.ids[key] = String(value);
  }

  /** Flags the order for a person (driver.md `flag` event). */
  flag(kind, reason) {
    this.log(`FLAG ${kind}: ${reason}`);
    if (mistake.is('never-flags')) return;
    if (this.signal.aborted) return;
    emit({ order: this.id, event: 'flag', kind, reason });
    if (mistake.is('stop-everything-on-a-flag') && kind === 'engineering') {
      this.report('unknown');
      log('pos', 'an engineering flag: stopping everything');
      process.exit(0);
    }
  }

  /**
   * Reports a verdict with the ids known so far and `extra` fields (nulls left out). Once the
   * order has given up, its flow can say nothing more: `unknown` was its last word.
   */
  report(result, extra = {}) {
    if (this.signal.aborted) {
      this.log(`(after the deadline, not reported: ${result})`);
      return;
    }
    const shown = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== null && v !== undefined));
    this.log(`OUTCOME ${result} ${clip(JSON.stringify(shown), 200)}`);
    this.outcome = result;
    emit({ order: this.id, event: 'outcome', result, ...this.ids, ...shown });
    this.markFinal();
  }

  /** The give-up time has come: stop the flow, and report `unknown` if nothing was final. */
  giveUp() {
    if (this.outcome === null) {
      this.log('deadline: nothing final is known');
      this.report('unknown');
    }
    this.controller.abort();
    this.markFinal();
  }

  /** Records the sale this order made (a later void may name it). */
  madeSale(ams, tid) {
    this.sale = { ams, tid };
    if (tid) KNOWN_SALES.set(ams, tid);
  }
}

/**
 * The amsId to void and the TID of its sale (if known), or null when there is nothing to
 * void (then the order has its outcome). A void of an earlier order's sale (`of`) waits for
 * that order's outcome; the runner fills in `amsId` once the sale exists.
 */
async function voidTarget(order) {
  const ams = order.field('amsId');
  if (ams) return { ams, tid: KNOWN_SALES.get(ams) ?? null };
  const of = order.field('of');
  if (!of) {
    order.flag('engineering', 'a void order without amsId or of');
    order.report('unknown');
    return null;
  }
  order.log(`waiting for order ${of}'s sale`);
  while (!ORDERS.has(of)) await sleepUntil(now() + 0.05, order.signal);
  const sale = ORDERS.get(of);
  await orGiveUp(sale.final, order.signal);
  if (sale.sale) return sale.sale;
  if (['not_paid', 'not_voided', 'refunded', 'voided'].includes(sale.outcome)) {
    order.log(`order ${of} ended ${sale.outcome}: there is no captured sale to void`);
    order.report('not_voided');
  } else {
    order.log(`order ${of} ended ${sale.outcome}: its sale is not known to be captured; nothing to void`);
    order.report('unknown');
  }
  return null;
}

module.exports = { Order, ORDERS, KNOWN_SALES, voidTarget };
