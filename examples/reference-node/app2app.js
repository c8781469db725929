// GP tom deep links (spec/app2app.md): `sale`, `void` and `closeBatch` open a `gptom://…`
// link through PAYTERM_APP2APP_URL and act on the redirect's status. The 302 is not followed
// (its target is our own scheme); a lost answer is checked before the link is opened again,
// so a link never runs twice.
'use strict';

const { Lost, exchange, retryAfterOf, parseJson, pct, pctDecode } = require('./http');
const { BASE, DEFAULT_TID } = require('./cloud-api');
const { ownBooks } = require('./cloud');
const { voidTarget } = require('./order');
const { CREDENTIALS } = require('./credentials');
const { clip } = require('./events');
const { isObject, text, int } = require('./values');
const mistake = require('./mistakes');

/** Where GP tom sends the cashier back (the integration's own scheme; never followed). */
const REDIRECT_URL = 'pos://done';
/** The methods a deep link offers (GO_CRYPTO is not one of them). */
const LINK_METHODS = ['CARD', 'CASH', 'ACCOUNT_PAYMENT', 'BLIK_PAYMENT', 'PAYMENT_GATEWAY'];
/** The links that act (the others only read). */
const ACTING = ['gptom://transaction/create', 'gptom://transaction/cancel', 'gptom://batch/close'];

/** The app refused the link itself (HTTP 400): nothing ran. */
class BadLink extends Error {}

/** LINK-PARAMS-VALID: a link with every value percent-encoded by RFC 3986 (a space is %20). */
function linkOf(path, params) {
  return `gptom://${path}?${params.map(([k, v]) => `${k}=${pct(v)}`).join('&')}`;
}

/** The redirect's query: values decoded by RFC 3986 rules (a + stays a +), JSON ones parsed. */
function parseRedirect(location) {
  const at = location.indexOf('?');
  const fields = {};
  for (const part of (at < 0 ? '' : location.slice(at + 1)).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const [key, value] = eq < 0 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    fields[pctDecode(key)] = pctDecode(value);
  }
  for (const key of ['receipt', 'batch', 'appStatus']) {
    if (!(key in fields)) continue;
    try {
      fields[key] = JSON.parse(fields[key]);
    } catch {
      throw new Lost(`redirect ${key} is not JSON`);
    }
  }
  return fields;
}

/** Opens a gptom:// link; resolves to the redirect's fields. Rejects Lost or BadLink. */
async function openLink(order, link) {
  await order.pacer.wait();
  const prefix = process.env.PAYTERM_APP2APP_URL || `${BASE}/app2app?uri=`;
  order.log(`opening ${link}`);
  const reply = await exchange(order, 'GET', prefix + pct(link));
  let fields;
  if ([301, 302, 303, 307, 308].includes(reply.status)) {
    const location = reply.headers.location;
    if (!location) throw new Lost(`redirect ${reply.status} without Location`);
    fields = parseRedirect(location);
  } else if (reply.status === 200) {
    const body = parseJson(reply.body);
    if (!isObject(body) || !('status' in body)) throw new Lost('200 without a status');
    fields = body;
  } else if (reply.status === 400) {
    throw new BadLink(clip(reply.body.toString('utf8'), 300));
  } else {
    throw new Lost(`app2app answered ${reply.status}`, retryAfterOf(reply.headers));
  }
  order.log(`-> status=${fields.status} error=${fields.error} code=${fields.code}`);
  if (mistake.is('link-status-ignored') && ACTING.some((a) => link.startsWith(a))) {
    fields = { ...fields, status: 'COMPLETED' };
  }
  return fields;
}

/** Whether an error is a link's (Lost or BadLink); anything else goes on up. */
function linkError(e) {
  if (e instanceof Lost || e instanceof BadLink) return e;
  throw e;
}

/**
 * LINK-RECEIPT-CHOICE: with printByPaymentApp=false the integration hands the receipt (or the
 * batch report) over itself — here it logs it — and says so in the outcome.
 */
function handOverReceipt(order, what, payload) {
  if (order.printByPaymentApp !== false) return {};
  order.log(`handing over the ${what} ourselves: ${JSON.stringify(payload)}`);
  return mistake.is('receipt-by-not-said') ? {} : { receipt_by: 'integration' };
}

function clientId() {
  const id = text(CREDENTIALS.app2app.clientID);
  return id ? [['clientID', id]] : [];
}

function printFlag(order) {
  return order.printByPaymentApp === false ? 'false' : 'true';
}

function receiptOf(fields) {
  return isObject(fields.receipt) ? fields.receipt : null;
}

/** transaction/detail by requestID; null when no transaction has it (the link never ran). */
async function linkDetail(order, requestId) {
  const link = linkOf('transaction/detail', [['requestID', requestId], ['redirectUrl', REDIRECT_URL]]);
  for (;;) {
    let fields;
    try {
      fields = await openLink(order, link);
    } catch (e) {
      linkError(e);
      order.pacer.fault(e.retryAfter ?? null, e.message);
      continue;
    }
    order.pacer.ok();
    return receiptOf(fields) || fields.status === 'COMPLETED' ? fields : null;
  }
}

/** A sale by deep link, for exactly the order's amount, tip and reference. */
async function sale(order) {
  const method = (order.field('method') ?? 'CARD').toUpperCase();
  if (!LINK_METHODS.includes(method)) {
    // Never send a link GP tom would refuse as invalid (LINK-PARAMS-VALID).
    order.flag('engineering', `deep links do not offer ${method}: the sale was not sent`);
    return order.report('not_paid');
  }
  const { reference } = order;
  const amount = int(order.raw.amount);
  const params = [['amount', mistake.is('link-amount-in-major-units') ? (amount / 100).toFixed(2) : String(amount)]];
  if (order.field('tip')) params.push(['tipAmount', String(int(order.raw.tip))]);
  params.push(
    ...clientId(),
    ['originReferenceNum', Array.from(reference).slice(0, 20).join('')],
    ['transactionType', method],
    ['printByPaymentApp', printFlag(order)],
    ['redirectUrl', REDIRECT_URL],
    ['requestID', reference],
  );
  const link = linkOf('transaction/create', params);
  let checkFirst = false;
  let oddStatusFlagged = false;
  for (;;) {
    if (checkFirst) {
      // The link may or may not have run: look before opening it again, so a lost answer
      // never charges the customer twice (MONEY-NO-DOUBLE-CHARGE).
      const fields = await linkDetail(order, reference);
      if (fields === null) {
        order.log('the sale link never ran; opening it again');
        checkFirst = false;
        continue;
      }
      if (receiptOf(fields)?.result === -9) continue; // still waiting for the card
      return finishSale(order, fields);
    }
    let fields;
    try {
      fields = await openLink(order, link);
    } catch (e) {
      if (linkError(e) instanceof BadLink) {
        order.flag('engineering', `GP tom refused the sale link: ${e.message}`);
        return order.report('not_paid');
      }
      order.log(`sale link answer lost (${e.message}); will check it with transaction/detail`);
      order.pacer.fault(e.retryAfter, e.message);
      checkFirst = true;
      continue;
    }
    order.pacer.ok();
    if (!['COMPLETED', 'CANCELLED', 'ERROR'].includes(fields.status)) {
      // LINK-STATUS-HANDLED names three statuses; anything else says nothing: look it up.
      if (!oddStatusFlagged) {
        oddStatusFlagged = true;
        order.flag('engineering', `unknown deep-link status ${JSON.stringify(fields.status)}`);
      }
      checkFirst = true;
      continue;
    }
    return finishSale(order, fields);
  }
}

/** LINK-STATUS-HANDLED: only COMPLETED is paid; CANCELLED and ERROR never are. */
function finishSale(order, fields) {
  const receipt = receiptOf(fields);
  const ams = text(receipt?.amsID);
  order.setId('amsId', ams);
  if (fields.status === 'COMPLETED') {
    if (ams) order.madeSale(ams, text(receipt.terminalID));
    return order.report('paid', handOverReceipt(order, 'receipt', receipt));
  }
  // The refusal category is for the cashier, in the log.
  order.log(`not paid: ${fields.status} ${fields.error} ${fields.code ?? ''}`);
  return order.report('not_paid', handOverReceipt(order, 'receipt', receipt ?? fields));
}

/** A void by deep link (transaction/cancel) of exactly the order's sale. */
async function voidSale(order) {
  const target = await voidTarget(order);
  if (!target) return;
  const params = [
    ['amsID', target.ams],
    ...clientId(),
    ['printByPaymentApp', printFlag(order)],
    ['redirectUrl', REDIRECT_URL],
    ['requestID', order.reference],
  ];
  const link = linkOf('transaction/cancel', params);
  let checkFirst = false;
  let networkErrors = 0;
  for (;;) {
    if (checkFirst) {
      const fields = await linkDetail(order, order.reference);
      if (fields === null) {
        order.log('our void has not run; opening the cancel link again');
        checkFirst = false;
        continue;
      }
      return finishVoid(order, fields);
    }
    let fields;
    try {
      fields = await openLink(order, link);
    } catch (e) {
      if (linkError(e) instanceof BadLink) {
        order.flag('engineering', `GP tom refused the cancel link: ${e.message}`);
        return order.report('not_voided');
      }
      order.log(`cancel link answer lost (${e.message}); will check it with transaction/detail`);
      order.pacer.fault(e.retryAfter, e.message);
      checkFirst = true;
      continue;
    }
    if (fields.status === 'ERROR' && fields.error === 'networkError' && networkErrors < 2) {
      // The terminal could not reach the host: on the safe side, check that nothing ran,
      // then open it again later with backoff (at most twice; RATE-NO-STORM).
      networkErrors += 1;
      order.pacer.fault(null, 'networkError');
      checkFirst = true;
      continue;
    }
    order.pacer.ok();
    return finishVoid(order, fields);
  }
}

function finishVoid(order, fields) {
  const receipt = receiptOf(fields);
  order.setId('amsId', text(receipt?.amsID));
  if (fields.status === 'COMPLETED') return order.report('voided', handOverReceipt(order, 'void receipt', receipt));
  order.log(`not voided: ${fields.status} ${fields.error}`);
  return order.report('not_voided', handOverReceipt(order, 'receipt', receipt ?? fields));
}

/** gptom://status: the open batch's number (to tell whether a lost close did close). */
async function openBatchNumber(order) {
  const link = linkOf('status', [['redirectUrl', REDIRECT_URL]]);
  for (;;) {
    let fields;
    try {
      fields = await openLink(order, link);
    } catch (e) {
      order.pacer.fault(linkError(e).retryAfter ?? null, e.message);
      continue;
    }
    order.pacer.ok();
    const number = isObject(fields.appStatus) ? fields.appStatus.openBatchNumber : null;
    return Number.isInteger(number) ? number : null;
  }
}

/** A close batch by deep link (the seed's own operation). */
async function closeBatch(order) {
  const before = await openBatchNumber(order);
  const params = [...clientId(), ['printByPaymentApp', printFlag(order)], ['redirectUrl', REDIRECT_URL]];
  const link = linkOf('batch/close', params);
  let checkFirst = false;
  for (;;) {
    if (checkFirst) {
      const after = await openBatchNumber(order);
      if (before !== null && after !== null && after !== before) {
        // It closed, but its totals were in the lost answer.
        order.log(`the lost close did run: open batch ${before} -> ${after}; totals were lost`);
        return order.report('batch_closed', handOverReceipt(order, 'batch report', { batchNumber: before }));
      }
      checkFirst = false;
      continue;
    }
    let fields;
    try {
      fields = await openLink(order, link);
    } catch (e) {
      if (linkError(e) instanceof BadLink) {
        order.flag('engineering', `GP tom refused the close link: ${e.message}`);
        return order.report('not_closed');
      }
      order.log(`close link answer lost (${e.message}); will check the open batch first`);
      order.pacer.fault(e.retryAfter, e.message);
      checkFirst = true;
      continue;
    }
    order.pacer.ok();
    const batch = isObject(fields.batch) ? fields.batch : null;
    if (fields.status === 'COMPLETED' && batch) {
      order.setId('amsId', text(batch.amsId));
      return order.report('batch_closed', { batch, ...handOverReceipt(order, 'batch report', batch) });
    }
    if (fields.status === 'COMPLETED' && mistake.is('link-status-ignored')) {
      return order.report('batch_closed', { batch: ownBooks(DEFAULT_TID ?? '') });
    }
    order.log(`not closed: ${fields.status} ${fields.error}`);
    return order.report('not_closed');
  }
}

module.exports = { sale, void: voidSale, closeBatch };
