// Planted mistakes: `--mistake NAME` makes the integration make exactly that one mistake,
// everything else unchanged, so the harness can be shown to catch it. The names and meanings
// are the Python reference's (examples/reference-python/pos/mistakes.py, MISTAKES), so the
// built-in scenarios' `# Caught:` claims apply; each is a few lines at the point of the
// behaviour it breaks (`mistake.is('…')`). tests/reference_node.rs proves every claim that
// names one.
'use strict';

const MISTAKES = {
  // Cloud API: tokens
  'login-every-call': 'logs in with the password grant before every Cloud API call',
  'login-on-expired-token': 'logs in again with the password instead of refreshing an expired token',
  // Cloud API: creating tasks
  'sale-created-twice': 'submits every Cloud SALE twice (a double submit), then follows the second task',
  'blind-create-retry': 'after a lost create answer, creates the task again without looking it up first',
  'retry-before-retry-after': "retries after a fault on its own backoff, ignoring the answer's Retry-After",
  'retry-at-once': 'retries at once after a fault: no backoff, no Retry-After',
  // Cloud API: polling
  'poll-without-pause': 'asks again at once after every answer (a busy loop), never waiting the minimum interval',
  'poll-after-final': 'polls a task three more times after it was final',
  'failed-poll-is-not-paid':
    'gives a poll 5 virtual seconds and takes a poll that failed (reset, broken, too slow) as a failed sale: not_paid',
  'crash-on-unreadable-answer':
    'exits (crashes) on an answer it cannot read: a malformed body, no JSON from the initiator program',
  // Cloud API: results
  'task-state-is-payment':
    "takes the task's state as the payment's result: COMPLETED is paid, FAILED or CANCELLED not_paid, no result read",
  'first-completed-task-is-mine':
    "takes the terminal's first COMPLETED sale (GET /v1/tasks?tid=) as the order's own task",
  // Cloud API: close batch
  'batch-totals-from-own-books': 'reads the batch, but reports totals from its own books (the Cloud sales it made)',
  // Cloud API: voids
  'void-on-cashiers-terminal': "sends the VOID to the terminal the cashier stands at, not the sale's",
  'repeat-refused-void': 'sends a VOID refused with 422 five more times at once, then reports not_voided',
  'refused-void-is-voided': 'reports a VOID refused with 422 as voided',
  // Deep links
  'link-status-ignored': 'takes every deep-link answer as COMPLETED, whatever its status',
  'link-amount-in-major-units': 'sends a deep-link amount in major units (12.50, not 1250)',
  'receipt-by-not-said': 'hands over the receipt itself but never says receipt_by: integration',
  // HyPe Initiator
  're-present-uri-in-process': 'presents the gateway URI again on every payment_in_process answer',
  'not-paid-while-in-process': 'gives up on a payment in process: not_paid (a private timeout)',
  'reached-is-not-paid': 'takes reached (the customer opened the page) as a failed payment: not_paid',
  'undeterminable-is-not-paid': 'takes undeterminable as a failed payment: not_paid',
  'stops-asking-after-two-minutes':
    'stops asking about an invoice still created or reached after two virtual minutes: unknown',
  'success-not-reported': 'keeps asking after completed_success and never reports paid (unknown at the deadline)',
  'status-after-final': 'asks three more times about an invoice after completed_refunded or completed_rejected',
  'rejected-is-paid': 'reports completed_rejected as paid',
  'not-paid-on-try-again-later':
    'takes a try-again-later status answer (unspecified, server_error, no JSON) as a failed payment: not_paid',
  'retry-when-told-to-stop':
    'sends a request answered bad_signature, user_disabled or resource_not_found twice more before stopping',
  'never-flags': 'never raises a flag for a person',
  'stop-everything-on-a-flag': 'stops the whole integration (exits) on the first engineering flag',
};

// The one mistake this run makes (null: none), chosen once by `choose`.
let chosen = null;

/**
 * Reads `--mistake NAME` (or `--mistake=NAME`) from the arguments. `list` prints the table
 * and exits 0; an unknown name exits 2 with the list of names.
 */
function choose(argv) {
  let name = null;
  argv.forEach((arg, i) => {
    if (arg === '--mistake') name = argv[i + 1] ?? '';
    else if (arg.startsWith('--mistake=')) name = arg.slice('--mistake='.length);
  });
  if (name === null) return null;
  if (name === 'list') {
    const width = Math.max(...Object.keys(MISTAKES).map((k) => k.length));
    for (const [key, what] of Object.entries(MISTAKES)) process.stdout.write(`${key.padEnd(width)}  ${what}\n`);
    process.exit(0);
  }
  if (!Object.hasOwn(MISTAKES, name)) {
    process.stderr.write(
      `main.js: unknown mistake ${JSON.stringify(name)}; the mistakes are (--mistake list describes them):\n  ` +
        `${Object.keys(MISTAKES).join('\n  ')}\n`,
    );
    process.exit(2);
  }
  chosen = name;
  return name;
}

/** Whether this run makes the mistake `name`. */
function is(name) {
  // A name not in the table is a typo in this code, not a mistake that is never made.
  if (!Object.hasOwn(MISTAKES, name)) throw new Error(`no planted mistake is called ${name}`);
  return chosen === name;
}

module.exports = { MISTAKES, choose, is };
