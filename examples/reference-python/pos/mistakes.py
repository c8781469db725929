"""The planted mistakes. `--mistake NAME` makes exactly that one mistake, everything else
unchanged; each is a few lines at the point of the behaviour it breaks (`if MISTAKE == "…"`,
in the module that behaves). The built-in scenarios name them in their `# Caught:` claims
(tests/claims.rs proves each). Without `--mistake` none is made; `--mistake list` prints the
table, an unknown name exits with status 2.

`MISTAKE` is read once, when the package is imported: the mistake asked for, or the one the
cheat asked for (see `cheats`) rides on.
"""

from __future__ import annotations

import sys


MISTAKES = {
    # Cloud API: tokens
    "login-every-call": "logs in with the password grant before every Cloud API call",
    "login-on-expired-token": "logs in again with the password instead of refreshing an expired token",
    # Cloud API: creating tasks
    "sale-created-twice": "submits every Cloud SALE twice (a double submit), then follows the second task",
    "blind-create-retry": "after a lost create answer, creates the task again without looking it up first",
    "retry-before-retry-after": "retries after a fault on its own backoff, ignoring the answer's Retry-After",
    "retry-at-once": "retries at once after a fault: no backoff, no Retry-After",
    "crash-on-refusal": "exits (crashes) when the Cloud API refuses a create with a 4xx",
    # Cloud API: polling
    "poll-without-pause": "asks again at once after every answer (a busy loop), never waiting the minimum interval",
    "poll-after-final": "polls a task three more times after it was final",
    "paid-on-in-progress": "takes a task IN_PROGRESS (the card is being read) as paid and stops polling",
    "failed-poll-is-not-paid": ("gives a poll 5 virtual seconds and takes a poll that failed (reset, broken, too "
                                "slow) as a failed sale: not_paid"),
    "new-sale-when-poll-fails": "takes a poll that failed as a failed sale and creates a new SALE for the order",
    "stateless-answer-is-failure": "takes a poll answer without a task state as a failed sale: not_paid",
    "unauthorized-is-not-paid": "takes a 401 on a poll as the sale's failure: not_paid",
    "crash-on-unreadable-answer": ("exits (crashes) on an answer it cannot read: a malformed body, no JSON from the "
                                   "initiator program"),
    "waits-for-ever": "never gives up: no timeout on a request, no unknown at the deadline",
    # Cloud API: results
    "task-state-is-payment": ("takes the task's state as the payment's result: COMPLETED is paid, FAILED or CANCELLED"
                              " not_paid, no result read"),
    "cancelled-is-paid": "reports a CANCELLED sale task as paid",
    "cancelled-is-unknown": "treats a CANCELLED sale task as undecided and reports unknown at the deadline",
    "new-sale-after-failed-task": ("tries the payment again with a new SALE after a FAILED task, without reading its "
                                   "result"),
    "truncated-result-is-not-paid": ("takes a transaction read that came back unreadable (cut short) as a declined "
                                     "payment"),
    "reads-result-early": ("reads the transaction while the task is IN_PROGRESS and takes -9 (card awaited) as "
                           "declined"),
    "first-completed-task-is-mine": ("takes the terminal's first COMPLETED sale (GET /v1/tasks?tid=) as the order's "
                                     "own task"),
    "paid-without-asking": "reports every sale and invoice paid at once, asking nothing",
    # Cloud API: close batch
    "batch-closed-without-reading-the-batch": ("reports batch_closed on COMPLETED with totals from its own books, "
                                               "never reading the batch"),
    "batch-totals-from-own-books": "reads the batch, but reports totals from its own books (the Cloud sales it made)",
    "batch-totals-in-major-units": "reports the batch's amounts converted to major units",
    # Cloud API: voids
    "void-on-cashiers-terminal": "sends the VOID to the terminal the cashier stands at, not the sale's",
    "sale-on-the-default-terminal": "makes every Cloud sale on the credentials' terminal, whatever terminal the order names",
    "void-window-90-days": ("checks a sale's age itself against 90 days (not 93) by its own clock and reports "
                            "not_voided without sending the VOID"),
    "repeat-refused-void": "sends a VOID refused with 422 five more times at once, then reports not_voided",
    "refused-void-is-voided": "reports a VOID refused with 422 as voided",
    "sale-not-paid-when-void-asked": ("reports the sale not_paid as soon as its void is asked, before any void is "
                                      "done"),
    # Deep links
    "link-status-ignored": "takes every deep-link answer as COMPLETED, whatever its status",
    "link-receipt-is-success": "takes a deep-link answer that carries a receipt as COMPLETED",
    "link-amount-in-major-units": "sends a deep-link amount in major units (12.50, not 1250)",
    "tip-in-the-amount": ("adds the tip to a sale's amount and sends tipAmount as well, on the Cloud API and in "
                          "deep links (the customer pays the tip twice)"),
    "reference-form-encoded": ("form-encodes deep-link values (a space as +), so the app reads originReferenceNum "
                               "TABLE+12 for TABLE 12"),
    "cancel-names-the-reference": "names the void order's own reference as the cancel link's amsID, not the sale's",
    "link-bad-receipt-type": "adds preferableReceiptType=pdf (not a value the spec knows) to every deep link",
    "receipt-by-not-said": "hands over the receipt itself but never says receipt_by: integration",
    "link-negative-is-unknown": "reports unknown (not not_paid) for a CANCELLED or ERROR sale link",
    "reopen-link-at-once": ("opens a cancel link answered ERROR networkError again at once, without checking or "
                            "waiting"),
    # HyPe Initiator
    "re-present-uri-in-process": "presents the gateway URI again on every payment_in_process answer",
    "not-paid-at-once": "reports an invoice not_paid right after presenting its URI, without following the payment",
    "not-paid-while-in-process": "gives up on a payment in process: not_paid (a private timeout)",
    "second-invoice-while-in-process": ("after three payment_in_process answers, issues a new invoice (reference-2), "
                                        "presents it and follows only the new one"),
    "reached-is-not-paid": "takes reached (the customer opened the page) as a failed payment: not_paid",
    "undeterminable-is-not-paid": "takes undeterminable as a failed payment: not_paid",
    "undeterminable-ends-the-polling": ("takes undeterminable as an unknown status: flags it, reports unknown and "
                                        "stops asking"),
    "stops-asking-after-two-minutes": ("stops asking about an invoice still created or reached after two virtual "
                                       "minutes: unknown"),
    "success-not-reported": "keeps asking after completed_success and never reports paid (unknown at the deadline)",
    "success-taken-as-final": ("takes completed_success as final: reports paid and stops asking, but keeps running to"
                               " the deadline"),
    "refund-ignored": "keeps asking after completed_refunded but never reports refunded",
    "refund-on-another-order": "reports a refund on another invoice order of the run, not on the refunded one",
    "status-after-final": "asks three more times about an invoice after completed_refunded or completed_rejected",
    "rejected-is-paid": "reports completed_rejected as paid",
    "reissue-same-invoice-id": "issues the rejected invoice again with the same invoice id",
    "unexpected-is-paid": "reports the status unexpected as paid",
    "not-paid-on-try-again-later": ("takes a try-again-later status answer (unspecified, server_error, no JSON) as a "
                                    "failed payment: not_paid"),
    "new-invoice-id-after-no-json": ("after an invoice request printed no JSON, issues the invoice again with a new "
                                     "id (reference-2)"),
    "retry-when-told-to-stop": ("sends a request answered bad_signature, user_disabled or resource_not_found twice "
                                "more before stopping"),
    "not-paid-when-told-to-stop": ("reports not_paid (not unknown) after bad_signature, user_disabled, "
                                   "resource_not_found or unexpected"),
    "disabled-store-only-stops-its-order": ("after user_disabled stops only that order; the others go on using the "
                                            "service"),
    "new-invoice-after-not-found": ("after resource_not_found silently issues a new invoice (reference-2) instead of "
                                    "flagging"),
    "never-flags": "never raises a flag for a person",
    "stop-everything-on-a-flag": "stops the whole integration (exits) on the first engineering flag",
}


def _mistake_from(argv: list[str]) -> str | None:
    """The mistake `--mistake NAME` (or `--mistake=NAME`) asks for; `list` prints the table."""
    name = None
    for i, arg in enumerate(argv):
        if arg == "--mistake":
            name = argv[i + 1] if i + 1 < len(argv) else ""
        elif arg.startswith("--mistake="):
            name = arg.split("=", 1)[1]
    if name is None:
        return None
    if name == "list":
        width = max(map(len, MISTAKES))
        for key, what in MISTAKES.items():
            print(f"{key:<{width}}  {what}")
        sys.exit(0)
    if name not in MISTAKES:
        sys.stderr.write(f"pos.py: unknown mistake {name!r}; the mistakes are (--mistake list describes them):\n  "
                         + "\n  ".join(MISTAKES) + "\n")
        sys.exit(2)
    return name


# The one mistake this run makes (None: the reference as it is), read once.
MISTAKE = _mistake_from(sys.argv[1:])


# The cheat is read after the mistake (an unknown mistake, or `list`, is answered first); a
# cheat that hides a mistake makes that mistake too.
from .cheats import CHEAT, CHEATS  # noqa: E402

if CHEAT is not None and CHEATS[CHEAT][0] is not None:
    MISTAKE = CHEATS[CHEAT][0]
