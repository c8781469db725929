// The HyPe Initiator (spec/initiator.md) through its program, `aelucrative-hype-initiator`:
// runs are serialised (one at a time, so once the service says user_disabled no request can
// start, not even another order's), and `invoice` issues an order's invoice, presents its
// gateway URI once and follows its `status` to an outcome, acting on each status and fault as
// initiator.md's tables say.
'use strict';

const { spawn } = require('node:child_process');

const { SETTINGS: S, now, v2r } = require('./settings');
const { emit, clip } = require('./events');
const { GiveUp, Lock } = require('./waiting');
const { CREDENTIALS } = require('./credentials');
const { isObject, text, int } = require('./values');
const mistake = require('./mistakes');

const PROGRAM = 'aelucrative-hype-initiator';
// Fundamental failures no retry fixes (the program's documented exit codes): the service
// refused the document whatever the moment (7), or we are not in the operator group (8).
const REFUSED = { 7: 'engineering', 8: 'administrative' };
// The faults after which the spec says: do not ask again.
const STOP_FAULTS = ['bad_signature', 'user_disabled', 'resource_not_found'];

/**
 * Runs the program once with `document` on stdin, for at most `timeout` real seconds (then
 * it is killed: no answer in time). Resolves to {code, stdout, stderr} or {failed: why};
 * rejects with GiveUp (the program killed) when `signal` aborts.
 */
function runProgram(command, document, timeout, signal) {
  return new Promise((resolve, reject) => {
    const child = spawn(PROGRAM, [command], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let ended = null; // why it ended early (killed), if it did
    const timer = setTimeout(() => {
      ended = { failed: 'no answer in time (killed)' };
      child.kill('SIGKILL');
    }, timeout * 1000);
    const onAbort = () => {
      ended = { giveUp: true };
      child.kill('SIGKILL');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (result) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (result.giveUp) reject(new GiveUp());
      else resolve(result);
    };
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', (e) => settle(ended ?? { failed: `cannot run ${PROGRAM}: ${e.message}` }));
    child.on('close', (code, sig) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      settle(ended ?? { code: code ?? sig, stdout, stderr });
    });
    // A program that exits without reading its stdin is judged by its output.
    child.stdin.on('error', () => {});
    child.stdin.end(document);
  });
}

/** The program, one run at a time; disabled for good by a user_disabled answer. */
class Initiator {
  constructor() {
    this.lock = new Lock();
    this.disabled = false;
    this.whenDisabled = new Promise((resolve) => {
      this.markDisabled = resolve;
    });
  }

  /**
   * Runs `command` for `order`; resolves to {kind: 'json', answer}, {kind: 'nojson', why},
   * {kind: 'refused', flag, why} or {kind: 'disabled'}.
   */
  async run(order, command, document) {
    // Woken early when the service is disabled: waiting is pointless then.
    await order.pacer.wait(this.whenDisabled);
    if (this.disabled) return { kind: 'disabled' };
    const release = await this.lock.acquire(order.signal);
    try {
      if (this.disabled) return { kind: 'disabled' };
      order.log(`${PROGRAM} ${command}`);
      // The service sees the request at some moment of the run; the pacer allows for that.
      order.pacer.markStart();
      const timeout = Math.min(S.initiatorTimeout, Math.max(0.01, order.remaining()));
      const run = await runProgram(command, document, timeout, order.signal);
      if (run.failed) return { kind: 'nojson', why: run.failed };
      let answer = null;
      try {
        answer = run.stdout.trim() ? JSON.parse(run.stdout) : null;
      } catch {
        answer = null;
      }
      if (!isObject(answer)) {
        const why = clip(run.stderr.trim().split('\n').pop() ?? '', 200);
        if (REFUSED[run.code]) return { kind: 'refused', flag: REFUSED[run.code], why: `exit ${run.code}: ${why}` };
        if (mistake.is('crash-on-unreadable-answer')) {
          order.log(`${PROGRAM} printed no JSON: crashing`);
          process.exit(70);
        }
        return { kind: 'nojson', why: `exit ${run.code}, no JSON (${why})` };
      }
      order.log(`-> ${clip(JSON.stringify(answer), 300)}`);
      if (answer.fault === 'user_disabled' && !mistake.is('retry-when-told-to-stop')) {
        this.disabled = true;
        this.markDisabled();
      }
      return { kind: 'json', answer };
    } finally {
      release();
    }
  }
}

const INITIATOR = new Initiator();

/** Flags a fault the spec says to stop on and returns true; false for "try again later". */
function stopOnFault(order, fault, detail, what) {
  if (mistake.is('retry-when-told-to-stop') && STOP_FAULTS.includes(fault)) {
    // The mistake's own count, kept on the order (the correct code never needs it).
    order.stopRetries = (order.stopRetries ?? 0) + 1;
    if (order.stopRetries <= 2) return false;
  }
  if (fault === 'bad_signature') {
    // HYPE-F-BAD-SIGNATURE: engineering AND administrative; never sent again.
    order.flag('engineering', `${what}: bad_signature (${detail ?? 'the signature was refused'})`);
    order.flag('administrative', `${what}: bad_signature: check the key enrollment of the store`);
    return true;
  }
  if (fault === 'user_disabled') {
    // HYPE-F-USER-DISABLED: administrative; no further request to the service at all.
    const why = "the store's endpoint is disabled; no further requests to the service";
    order.flag('administrative', `${what}: user_disabled: ${why}`);
    return true;
  }
  if (fault === 'resource_not_found') {
    // HYPE-F-NOT-FOUND: engineering; the resource is gone, asking again is pointless.
    order.flag('engineering', `${what}: resource_not_found (${detail ?? 'the transaction is gone'})`);
    return true;
  }
  // HYPE-F-UNSPECIFIED, HYPE-F-SERVER-ERROR (and a fault the spec does not name): later.
  return false;
}

/**
 * The invoice document, exactly what the order says: its reference is the invoice id, its
 * amount the total, its fiscals passed on as given (else one line of the whole amount). An
 * order with fiscals but no amount totals its lines.
 */
function invoiceDocument(order) {
  const store = text(CREDENTIALS.initiator.store) ?? '';
  const amount = int(order.raw.amount);
  let { fiscals } = order.raw;
  let total = amount;
  if (Array.isArray(fiscals) && fiscals.length > 0) {
    if (!amount) total = fiscals.reduce((sum, f) => sum + int(f?.price_total), 0);
  } else {
    fiscals = [
      {
        name: `Order ${order.reference}`,
        amount: 1,
        code_mxik: '10305008004000000',
        vat: 0,
        vat_price: 0,
        price_total: amount,
        price_per_unit: amount,
        code_mxik_package: '1546606',
      },
    ];
  }
  return { version: 1, document: 'aehype_invoice', payload: { invoice: order.reference, store, total, fiscals } };
}

function stoppedByDisabled(order) {
  order.flag('administrative', 'the initiator endpoint is disabled (user_disabled): not using it');
  order.report('unknown');
}

/** An invoice through the initiator, followed to its outcome. */
async function invoice(order) {
  // Built once: a retry sends the same document byte for byte (same id, same content; the
  // service is idempotent), so a lost answer never makes a second invoice.
  const document = Buffer.from(JSON.stringify(invoiceDocument(order)));
  let answer;
  for (;;) {
    const run = await INITIATOR.run(order, 'invoice', document);
    if (run.kind === 'disabled') return stoppedByDisabled(order);
    if (run.kind === 'refused') {
      // No retry fixes it: flag it for a person and stop.
      order.flag(run.flag, `invoice ${order.reference} refused: ${run.why}`);
      return order.report('unknown');
    }
    if (run.kind === 'nojson') {
      // HYPE-NO-JSON: the invoice may or may not exist; no crash, no verdict: the same
      // document again later.
      order.log(`invoice: ${run.why}; trying the same invoice again later`);
      order.pacer.fault();
      continue;
    }
    answer = run.answer;
    if (answer.fault) {
      if (stopOnFault(order, String(answer.fault), answer.detail, `invoice ${order.reference}`)) {
        return order.report('unknown');
      }
      order.log(`invoice: fault ${answer.fault} (${answer.detail}); trying again later`);
      order.pacer.fault();
      continue;
    }
    if (text(answer.identifier) && text(answer.gateway_uri) && isObject(answer.autofeed)) break;
    order.log('invoice: an answer without identifier/gateway_uri/autofeed; trying again later');
    order.pacer.fault();
  }
  order.pacer.ok();
  order.setId('identifier', answer.identifier);
  // HYPE-CREATED, HYPE-IN-PROCESS: the gateway URI is presented once, right after the
  // invoice, and never again — so never while the payment is in process.
  emit({ order: order.id, event: 'present_uri', uri: answer.gateway_uri });
  return followStatus(order, answer.autofeed, answer.gateway_uri);
}

/** Asks `status` with the autofeed until the spec says the invoice is final (or stop). */
async function followStatus(order, autofeed, uri) {
  const feed = Buffer.from(JSON.stringify(autofeed));
  const identifier = order.ids.identifier;
  let paid = false;
  let last = null;
  let afterFinal = 0; // status requests after a final status (status-after-final)
  for (;;) {
    const run = await INITIATOR.run(order, 'status', feed);
    if (run.kind === 'disabled') {
      if (!paid) return stoppedByDisabled(order);
      // An order already paid keeps that outcome when its watch is stopped.
      order.log('the endpoint is disabled; the invoice stays paid as reported');
      return order.flag('administrative', 'the initiator endpoint is disabled (user_disabled): not using it');
    }
    if (run.kind === 'refused') {
      order.flag(run.flag, `status of ${identifier} refused: ${run.why}`);
      if (!paid) order.report('unknown');
      return undefined;
    }
    if (run.kind === 'nojson') {
      // HYPE-NO-JSON: no crash, no verdict; ask again later.
      order.log(`status: ${run.why}; asking again later`);
      order.pacer.fault();
      if (mistake.is('not-paid-on-try-again-later') && !paid) return order.report('not_paid');
      continue;
    }
    const { answer } = run;
    if (answer.fault) {
      if (stopOnFault(order, String(answer.fault), answer.detail, `status of ${identifier}`)) {
        // The spec said stop: unknown (unless it was paid already, which stands).
        if (!paid) order.report('unknown');
        return undefined;
      }
      order.log(`status: fault ${answer.fault}; asking again later`);
      order.pacer.fault();
      if (mistake.is('not-paid-on-try-again-later') && !paid) return order.report('not_paid');
      continue;
    }
    const { status } = answer;
    if (status !== last) {
      order.log(`invoice is ${status}`);
      last = status;
    }
    if (status === 'payment_in_process' && mistake.is('re-present-uri-in-process')) {
      emit({ order: order.id, event: 'present_uri', uri });
    }
    if (status === 'payment_in_process' && mistake.is('not-paid-while-in-process')) return order.report('not_paid');
    if (status === 'reached' && mistake.is('reached-is-not-paid')) return order.report('not_paid');
    if (status === 'undeterminable' && mistake.is('undeterminable-is-not-paid')) return order.report('not_paid');
    const asked = now() - order.received;
    if (['created', 'reached'].includes(status) && mistake.is('stops-asking-after-two-minutes') && asked > v2r(120)) {
      return order.report('unknown');
    }
    if (['undeterminable', 'created', 'reached', 'payment_in_process'].includes(status)) {
      // HYPE-UNDETERMINABLE, HYPE-CREATED, HYPE-REACHED, HYPE-IN-PROCESS: ask again later
      // (and never present the URI again).
      order.pacer.ok();
      continue;
    }
    if (status === 'completed_success' && mistake.is('success-not-reported')) {
      order.pacer.ok();
      continue;
    }
    if (status === 'completed_success') {
      // HYPE-SUCCESS: paid, but not final: a refund can still come, so the invoice is
      // watched until the deadline (MONEY-TRUTHFUL-OUTCOME).
      if (!paid) {
        paid = true;
        order.report('paid');
      }
      order.pacer.ok();
      continue;
    }
    if (status === 'completed_refunded' || status === 'completed_rejected') {
      // HYPE-REFUNDED, HYPE-REJECTED: final, no more `status` (and no new invoice unless the
      // cashier asks for one).
      const verdict = status === 'completed_refunded' ? 'refunded' : 'not_paid';
      if (status === 'completed_rejected' && mistake.is('rejected-is-paid')) return order.report('paid');
      if (order.outcome !== verdict) order.report(verdict);
      if (mistake.is('status-after-final') && afterFinal < 3) {
        afterFinal += 1;
        order.pacer.ok();
        continue;
      }
      return undefined;
    }
    // HYPE-UNEXPECTED (or a status the spec does not know): an engineering problem; no
    // verdict is drawn from it and the integration stops asking.
    const why = 'protocol inconsistency; update the SDK and report it to the provider';
    order.flag('engineering', `status ${JSON.stringify(status)} for ${identifier}: ${why}`);
    if (!paid) order.report('unknown');
    return undefined;
  }
}

module.exports = { invoice };
