// The GP tom Cloud API flows of an order: `sale`, `void` and `closeBatch` — create the task
// (never twice: a lost create answer is looked up by reference first), poll it by its own id
// until it is final, then read the transaction or the batch: a task's state is not the
// payment's result (spec/cloud-api.md).
'use strict';

const { v2r } = require('./settings');
const { Lost, retryAfterOf, errorCode, pct } = require('./http');
const { DEFAULT_TID, call } = require('./cloud-api');
const { ORDERS, voidTarget } = require('./order');
const { isObject, text, int, field } = require('./values');
const mistake = require('./mistakes');

const FINAL_STATES = ['COMPLETED', 'FAILED', 'CANCELLED'];
const STATES = ['QUEUED', 'IN_PROGRESS', ...FINAL_STATES];

/** The Cloud API refused the create (4xx): nothing was created. */
class Refusal {
  constructor(status, body) {
    this.status = status;
    this.body = body;
  }

  toString() {
    const err = field(this.body, 'error');
    if (!isObject(err)) return String(this.status);
    return `${this.status} ${err.code ?? ''}: ${err.reason ?? ''} ${err.message ?? ''}`.trim();
  }
}

/** Whether an error means "no usable answer" (Lost); anything else goes on up. */
function lost(e) {
  if (e instanceof Lost) return e;
  throw e;
}

/** The order's terminal: its own `tid`, else the merchant's configured one. */
function orderTid(order) {
  return order.field('tid') ?? DEFAULT_TID ?? '';
}

/** originReferenceNum takes at most 20 ASCII letters, digits and spaces: made to fit. */
function cloudReference(order) {
  const ref = order.reference;
  const clean = ref.replace(/[^A-Za-z0-9 ]/gu, ' ').slice(0, 20);
  if (clean !== ref) {
    order.log(`reference ${JSON.stringify(ref)} is not a valid originReferenceNum; sending ${JSON.stringify(clean)}`);
  }
  return clean;
}

/** Whether `task` is a task of `taskType` whose request has every field of `fields`. */
function sameRequest(task, taskType, fields) {
  const request = field(task, 'request');
  return field(task, 'taskType') === taskType && Object.entries(fields).every(([k, v]) => field(request, k) === v);
}

/**
 * Creates one task; resolves to the task or a Refusal. After a lost answer the create may
 * have acted, so the task is looked up by reference before it is created again: an order
 * never has a second live task (CLOUD-NO-DUPLICATE-SALE, MONEY-NO-DOUBLE-CHARGE).
 */
async function create(order, tid, path, body, ours) {
  const reference = text(body.originReferenceNum);
  let lookFirst = false;
  for (;;) {
    if (lookFirst && reference) {
      let a;
      try {
        a = await call(order, 'GET', `/v1/tasks?reference=${pct(reference)}`, tid);
      } catch (e) {
        order.pacer.fault(lost(e).retryAfter, e.message);
        continue;
      }
      if (a.retry) continue;
      const tasks = field(a.json, 'tasks');
      if (a.status !== 200 || !Array.isArray(tasks)) {
        order.pacer.fault(retryAfterOf(a.headers));
        continue;
      }
      order.pacer.ok();
      const found = tasks.filter((t) => isObject(t) && ours(t)).pop();
      if (found) {
        order.log(`the lost create did happen: task ${found.taskId}`);
        return found;
      }
      order.log('no task with our reference: creating it again');
      lookFirst = false;
      continue;
    }
    let a;
    try {
      a = await call(order, 'POST', path, tid, body);
    } catch (e) {
      lost(e);
      order.pacer.fault(e.retryAfter, e.message);
      // No token: the request never left, so nothing can have been created.
      if (!e.notSent) {
        order.log(`create answer lost (${e.message}); will look the task up first`);
        lookFirst = !mistake.is('blind-create-retry');
      }
      continue;
    }
    if (a.retry) continue;
    if ((a.status === 200 || a.status === 201) && text(field(a.json, 'taskId')) && STATES.includes(a.json.state)) {
      order.pacer.ok();
      return a.json;
    }
    if (a.status === 409) {
      // TERMINAL_BUSY is a refusal: nothing was created; the same create again later.
      order.log(`terminal busy (${errorCode(a.json)}); trying again later`);
      order.pacer.fault(retryAfterOf(a.headers));
      continue;
    }
    if (a.status >= 400 && a.status < 500) {
      order.pacer.ok();
      return new Refusal(a.status, a.json);
    }
    // A 2xx that is not a task (or anything else): we cannot know what happened.
    order.log(`create answered ${a.status} without a task; will look it up`);
    order.pacer.fault(retryAfterOf(a.headers));
    lookFirst = true;
  }
}

/** The terminal's first COMPLETED sale task (only under first-completed-task-is-mine). */
async function firstCompletedSale(order, tid) {
  for (;;) {
    let a;
    try {
      a = await call(order, 'GET', `/v1/tasks?tid=${pct(tid)}`, tid);
    } catch (e) {
      order.pacer.fault(lost(e).retryAfter, e.message);
      continue;
    }
    order.pacer.ok();
    const tasks = field(a.json, 'tasks');
    const done = (Array.isArray(tasks) ? tasks : []).filter(
      (t) => field(t, 'state') === 'COMPLETED' && field(field(t, 'request'), 'transactionType') === 'SALE',
    );
    if (done.length > 0) return done[0];
  }
}

/**
 * CLOUD-POLL-UNTIL-FINAL, CLOUD-QUEUE-PARALLEL: polls the task by its own id until it is
 * final; no poll after that. A failed poll, or an answer that is not this task, says nothing.
 */
async function poll(order, tid, created) {
  let task = created;
  if (mistake.is('first-completed-task-is-mine') && field(task.request, 'transactionType') === 'SALE') {
    task = await firstCompletedSale(order, tid);
  }
  const taskId = String(task.taskId);
  order.setId('taskId', taskId);
  const path = `/v1/tasks/${pct(taskId)}`;
  // The mistake gives a poll 5 virtual seconds (and takes a failed one as a failed sale).
  const timeout = mistake.is('failed-poll-is-not-paid') ? Math.max(0.05, v2r(5)) : undefined;
  while (!FINAL_STATES.includes(task.state)) {
    let a;
    try {
      a = await call(order, 'GET', path, tid, null, { timeout });
    } catch (e) {
      order.pacer.fault(lost(e).retryAfter, e.message);
      if (mistake.is('failed-poll-is-not-paid')) return { ...task, state: 'FAILED', amsId: null };
      continue;
    }
    if (a.retry) continue;
    if (a.status === 200 && field(a.json, 'taskId') === taskId && STATES.includes(a.json.state)) {
      if (a.json.state !== task.state) order.log(`task ${taskId} is ${a.json.state}`);
      task = a.json;
      order.pacer.ok();
    } else {
      // No task state in it (a placeholder, a 404): ask again later.
      order.pacer.fault(retryAfterOf(a.headers));
    }
  }
  if (mistake.is('poll-after-final')) {
    for (let i = 0; i < 3; i += 1) {
      await call(order, 'GET', path, tid).catch(lost);
      order.pacer.ok();
    }
  }
  order.setId('amsId', text(task.amsId));
  return task;
}

/** Reads a result (transaction, batch) until a complete answer arrives. */
async function read(order, tid, path, valid) {
  for (;;) {
    let a;
    try {
      a = await call(order, 'GET', path, tid);
    } catch (e) {
      order.pacer.fault(lost(e).retryAfter, e.message);
      continue;
    }
    if (a.retry) continue;
    if (a.status === 200 && isObject(a.json) && valid(a.json)) {
      order.pacer.ok();
      return a.json;
    }
    order.pacer.fault(retryAfterOf(a.headers));
  }
}

/** The transaction's result; while the card is still awaited (-9) it is read again later. */
async function readTransaction(order, tid, ams) {
  for (;;) {
    const tx = await read(order, tid, `/v1/transactions/${pct(ams)}`, (j) => 'result' in j);
    if (tx.result !== -9) return tx;
    order.log('transaction still awaits the card (-9); reading it again later');
  }
}

/**
 * CLOUD-TASK-NOT-PAYMENT: result 0 is `yes`; a non-zero result is `no` unless the transaction
 * also carries an approval code (captured?): then it is flagged and `unknown`.
 */
function moneyVerdict(order, tx, yes, no) {
  if (tx.result === 0) return yes;
  if (text(tx.approvedCode)) {
    const why = `transaction ${tx.amsId} has result ${tx.result} but approval code ${tx.approvedCode}`;
    order.flag('engineering', `${why}: cannot tell whether money moved`);
    return 'unknown';
  }
  return no;
}

/** With printByPaymentApp=false the receipt is ours to hand over, and the outcome says so. */
function receiptBy(order, handed) {
  if (handed && order.printByPaymentApp === false && !mistake.is('receipt-by-not-said')) {
    return { receipt_by: 'integration' };
  }
  return {};
}

/** The task ended COMPLETED without its transaction or batch: nothing can be read. */
function completedWithoutResult(order, task, what) {
  order.flag('engineering', `task ${task.taskId} COMPLETED without ${what}: cannot read the result`);
  order.report('unknown');
}

/** A sale on the Cloud API: on the order's terminal, for exactly what the order says. */
async function sale(order) {
  let tid = orderTid(order);
  const reference = cloudReference(order);
  const body = {
    transactionType: 'SALE',
    amount: int(order.raw.amount),
    currencyCode: order.field('currency') ?? 'CZK',
    paymentMethod: (order.field('method') ?? 'CARD').toUpperCase(),
    originReferenceNum: reference,
  };
  if (order.field('tip')) body.tipAmount = int(order.raw.tip);
  if (order.printByPaymentApp !== null) body.printByPaymentApp = order.printByPaymentApp;
  const ours = (t) => sameRequest(t, 'TRANSACTION', { transactionType: 'SALE', originReferenceNum: reference });
  if (mistake.is('sale-created-twice')) await call(order, 'POST', '/v1/tasks/TRANSACTION', tid, body).catch(lost);
  const created = await create(order, tid, '/v1/tasks/TRANSACTION', body, ours);
  if (created instanceof Refusal) {
    // Nothing was created: no money can move. A 422 is a business refusal; any other 4xx
    // means our request was wrong, which an engineer must look at.
    if (created.status !== 422) order.flag('engineering', `the Cloud API refused the sale: ${created}`);
    return order.report('not_paid');
  }
  const task = await poll(order, tid, created);
  const ams = text(task.amsId);
  if (mistake.is('task-state-is-payment')) return order.report(task.state === 'COMPLETED' ? 'paid' : 'not_paid');
  tid = text(task.tid) ?? tid;
  if (task.state === 'COMPLETED' && !ams) return completedWithoutResult(order, task, 'a transaction');
  // Withdrawn or rejected before it ran (or failed before a transaction existed).
  if (task.state === 'CANCELLED' || !ams) return order.report('not_paid');
  // Read the transaction, also after FAILED: the money may have been captured although the
  // task failed (MONEY-NO-LOST-PAYMENT).
  const tx = await readTransaction(order, tid, ams);
  const verdict = moneyVerdict(order, tx, 'paid', 'not_paid');
  if (verdict === 'paid') order.madeSale(ams, text(tx.terminalID) ?? tid);
  return order.report(verdict, receiptBy(order, verdict !== 'unknown'));
}

/**
 * CLOUD-VOID-SAME-TID: reads the sale before voiding it, to learn its terminal and currency.
 * Tries the terminals we know: the sale's, the configured one, then the order's.
 */
async function locateSale(order, ams, knownTid) {
  const candidates = [...new Set([knownTid, DEFAULT_TID, order.field('tid')].filter(Boolean))];
  for (const tid of candidates) {
    for (;;) {
      let a;
      try {
        a = await call(order, 'GET', `/v1/transactions/${pct(ams)}`, tid);
      } catch (e) {
        order.pacer.fault(lost(e).retryAfter, e.message);
        continue;
      }
      if (a.retry) continue;
      if (a.status === 200 && text(field(a.json, 'terminalID'))) {
        order.pacer.ok();
        return a.json;
      }
      if (a.status === 403 || a.status === 404) {
        order.pacer.ok(); // this terminal's token does not see it: try the next
        break;
      }
      order.pacer.fault(retryAfterOf(a.headers));
    }
  }
  return null;
}

/** A void on the Cloud API: of exactly the order's sale, on the sale's own terminal. */
async function voidSale(order) {
  const target = await voidTarget(order);
  if (!target) return;
  const { ams } = target;
  let currency = order.field('currency') ?? 'CZK';
  const found = await locateSale(order, ams, target.tid);
  let saleTid;
  if (found) {
    saleTid = text(found.terminalID);
    currency = text(found.currencyCode) ?? currency;
    order.log(`sale ${ams} was made on terminal ${saleTid} (voided: ${found.voided})`);
  } else {
    saleTid = target.tid ?? order.field('tid') ?? DEFAULT_TID ?? '';
    order.log(`sale ${ams} not found; sending the void to terminal ${saleTid} for the verdict`);
  }
  if (mistake.is('void-on-cashiers-terminal')) saleTid = orderTid(order);
  const reference = cloudReference(order);
  const body = {
    transactionType: 'VOID',
    originTransactionID: ams,
    currencyCode: currency,
    originReferenceNum: reference,
  };
  if (order.printByPaymentApp !== null) body.printByPaymentApp = order.printByPaymentApp;
  const ours = (t) =>
    sameRequest(t, 'TRANSACTION', { transactionType: 'VOID', originTransactionID: ams, originReferenceNum: reference });
  const created = await create(order, saleTid, '/v1/tasks/TRANSACTION', body, ours);
  if (created instanceof Refusal) {
    // CLOUD-VOID-93-DAYS: a refused VOID (422: 93 days, crypto, already voided, another TID,
    // batch closed, unknown sale) is reported and never sent again: the answer won't change.
    order.log(`void refused: ${created}`);
    if (mistake.is('refused-void-is-voided')) return order.report('voided');
    if (mistake.is('repeat-refused-void')) {
      for (let i = 0; i < 5; i += 1) {
        order.pacer.nextAt = 0;
        await call(order, 'POST', '/v1/tasks/TRANSACTION', saleTid, body).catch(lost);
      }
    }
    if (created.status !== 422) order.flag('engineering', `the Cloud API refused the void: ${created}`);
    return order.report('not_voided');
  }
  const task = await poll(order, saleTid, created);
  const voidAms = text(task.amsId);
  if (task.state === 'COMPLETED' && !voidAms) return completedWithoutResult(order, task, 'a transaction');
  if (task.state === 'CANCELLED' || !voidAms) return order.report('not_voided');
  const tx = await readTransaction(order, text(task.tid) ?? saleTid, voidAms);
  const verdict = moneyVerdict(order, tx, 'voided', 'not_voided');
  return order.report(verdict, receiptBy(order, verdict !== 'unknown'));
}

/** Batch totals from the Cloud sales this process reported paid on `tid` (mistakes only). */
function ownBooks(tid) {
  const sales = [...ORDERS.values()].filter(
    (o) => o.outcome === 'paid' && ['cloud', ''].includes(o.surface) && orderTid(o) === tid,
  );
  const total = sales.reduce((sum, o) => sum + int(o.raw.amount), 0);
  const count = sales.length;
  return { saleCount: count, saleAmount: total, voidCount: 0, voidAmount: 0, totalCount: count, totalAmount: total };
}

/** CLOUD-BATCH-TOTALS: a close batch reports the totals the Cloud API returned, as received. */
async function closeBatch(order) {
  const tid = orderTid(order);
  const reference = cloudReference(order);
  const body = { originReferenceNum: reference };
  if (order.printByPaymentApp !== null) body.printByPaymentApp = order.printByPaymentApp;
  const ours = (t) => sameRequest(t, 'BATCH', { originReferenceNum: reference });
  const created = await create(order, tid, '/v1/tasks/BATCH', body, ours);
  if (created instanceof Refusal) {
    order.flag('engineering', `the Cloud API refused the close batch: ${created}`);
    return order.report('not_closed');
  }
  const task = await poll(order, tid, created);
  if (task.state === 'COMPLETED' && !text(task.amsId)) return completedWithoutResult(order, task, 'a batch id');
  if (task.state !== 'COMPLETED') return order.report('not_closed');
  let batch = await read(order, tid, `/v1/batches/${pct(String(task.amsId))}`, (j) => 'batchNumber' in j);
  if (mistake.is('batch-totals-from-own-books')) batch = { ...batch, ...ownBooks(tid) };
  return order.report('batch_closed', { batch, ...receiptBy(order, true) });
}

module.exports = { sale, void: voidSale, closeBatch, ownBooks };
