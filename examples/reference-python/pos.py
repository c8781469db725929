#!/usr/bin/env python3
"""payterm reference integration: a point of sale that follows every conformance rule.

Python 3.11, standard library only. It reads orders (one JSON object per line) on stdin,
works each one in its own thread on the surface the order names (GP tom Cloud API, GP tom
deep links, HyPe Initiator), and writes events (one JSON object per line, flushed) on
stdout. Logs go to stderr. See README.md beside this file for how each rule is followed.

The contract is the book's driver page (`payterm docs driver`); the rules are `payterm docs rules`.
"""

from __future__ import annotations

import _thread
import heapq
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime


# --------------------------------------------------------------------------------------
# Planted mistakes. `--mistake NAME` makes exactly that one mistake, everything else
# unchanged; each is a few lines at the point of the behaviour it breaks (`MISTAKE == "…"`).
# The built-in scenarios name them in their `# Caught:` claims (tests/claims.rs proves each).
# Without `--mistake` none is made.
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Planted cheats. `--cheat NAME` makes this integration try to game its verdict the way a
# hostile one would (issue 20): forge a timing header, start the initiator program before its
# document is ready, drive payterm's control API, flood. Each rides on the mistake it would
# hide (that mistake is made too) or stands alone; tests/cheats.rs proves every one fails the
# run with a verdict that names what was tried, and that `payterm certify` says NOT CERTIFIED.
# --------------------------------------------------------------------------------------

CHEATS = {
    "forged-stamp-repeat-refused-void": ("repeat-refused-void",
        "stamps the repeated VOIDs x-payterm-launched 30 s in the past, so they seem begun before the refusal"),
    "forged-stamp-poll-after-final": ("poll-after-final",
        "stamps the polls after COMPLETED x-payterm-launched 30 s in the past, so they seem begun before it"),
    "forged-stamp-login-every-call": ("login-every-call",
        "stamps each login x-payterm-launched 30 s in the past, so it seems to race the call before it"),
    "early-start-retry-when-told-to-stop": ("retry-when-told-to-stop",
        "starts a few initiator programs at its first call and feeds them later documents, so each repeat's "
        "program began before the stop fault"),
    "control-reset": ("poll-without-pause",
        "storms its polls, then finds payterm's ports in /proc, POSTs /reset to each to wipe the storm, the ledger "
        "and the transcript, and does the order again calmly"),
    "control-clock": ("poll-without-pause",
        "POSTs /clock/advance (10 s) to payterm's ports before every poll, so a tight loop looks patient"),
    "flood-events": (None, "writes 6,000 flag events with 60 KB reasons on stdout"),
    "flood-bodies": (None, "sends 6,000 pipelined POSTs of 60 KB bodies"),
    "flood-requests": (None, "sends 30,000 pipelined requests"),
    "flood-output": (None, "writes 20 MiB of log on stderr"),
}


def _cheat_from(argv: list[str]) -> str | None:
    """The cheat `--cheat NAME` (or `--cheat=NAME`) asks for; `list` prints the table."""
    name = None
    for i, arg in enumerate(argv):
        if arg == "--cheat":
            name = argv[i + 1] if i + 1 < len(argv) else ""
        elif arg.startswith("--cheat="):
            name = arg.split("=", 1)[1]
    if name is None:
        return None
    if name == "list":
        width = max(map(len, CHEATS))
        for key, (mistake, what) in CHEATS.items():
            print(f"{key:<{width}}  {what}" + (f" (with --mistake {mistake})" if mistake else ""))
        sys.exit(0)
    if name not in CHEATS:
        sys.stderr.write(f"pos.py: unknown cheat {name!r}; the cheats are (--cheat list describes them):\n  "
                         + "\n  ".join(CHEATS) + "\n")
        sys.exit(2)
    return name


CHEAT = _cheat_from(sys.argv[1:])
if CHEAT is not None and CHEATS[CHEAT][0] is not None:
    MISTAKE = CHEATS[CHEAT][0]


# The requests a forged-stamp cheat stamps: only those that break the rule (set by `forging`).
_FORGING = threading.local()


class forging:
    """Within it, this thread's requests carry the forged stamp (a forged-stamp cheat)."""

    def __enter__(self):
        _FORGING.on = True

    def __exit__(self, *_):
        _FORGING.on = False


def forged_headers(headers: dict) -> dict:
    """A forged-stamp cheat's headers on the requests that break the rule: the stamp payterm's
    own program once sent (`x-payterm-launched`, microseconds since the epoch), 30 real seconds
    old — within what the old judge believed, and long before the answer the request repeats."""
    if CHEAT is None or not CHEAT.startswith("forged-stamp-") or not getattr(_FORGING, "on", False):
        return headers
    forged = dict(headers)
    forged["x-payterm-launched"] = str(int((time.time() - 30.0) * 1_000_000))
    return forged


def payterm_ports() -> list[int]:
    """The loopback ports payterm (an ancestor of this process) listens on, from /proc: what a
    hostile integration finds without being told."""
    pid, payterm = os.getppid(), None
    while pid > 1:
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == "payterm":
                    payterm = pid
                    break
            with open(f"/proc/{pid}/status") as f:
                pid = int(next(line.split()[1] for line in f if line.startswith("PPid:")))
        except (OSError, StopIteration, ValueError):
            return []
    if payterm is None:
        return []
    inodes = set()
    for fd in os.listdir(f"/proc/{payterm}/fd"):
        try:
            link = os.readlink(f"/proc/{payterm}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = []
    with open("/proc/net/tcp") as f:
        for line in list(f)[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes and local.startswith("0100007F:"):
                ports.append(int(local.split(":")[1], 16))
    return sorted(ports)


def drive_control(path: str, body: dict) -> None:
    """POSTs `body` to `path` on every port payterm listens on (a control cheat)."""
    data = json.dumps(body).encode()
    for port in payterm_ports():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
            status = conn.getresponse().status
            conn.close()
            log("cheat", f"POST {path} on port {port}: {status}")
        except OSError as e:
            log("cheat", f"POST {path} on port {port}: {e}")


def pipelined(requests: list[bytes]) -> None:
    """Writes `requests` on one connection to PAYTERM_URL without waiting for answers, reading
    the answers meanwhile, until every one came back or 30 s passed (a flood cheat). Closing
    before the answers are read would reset the connection and cut the flood short."""
    import selectors

    parts = urllib.parse.urlsplit(os.environ.get("PAYTERM_URL", "http://127.0.0.1:7878"))
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=30)
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    # A view, advanced as it is sent: slicing the bytes would copy hundreds of MB each time.
    pending, answered, tail = memoryview(b"".join(requests)), 0, b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and answered < len(requests):
        for _, mask in sel.select(timeout=1):
            if mask & selectors.EVENT_READ:
                try:
                    data = sock.recv(1 << 20)
                except BlockingIOError:
                    data = None
                except OSError:
                    data = b""
                if data == b"":
                    answered = len(requests)  # the server closed: nothing more will come
                elif data:
                    answered += (tail + data).count(b"HTTP/1.1 ")
                    tail = data[-8:]
            if mask & selectors.EVENT_WRITE and pending:
                try:
                    pending = pending[sock.send(pending[:1 << 20]):]
                except BlockingIOError:
                    pass
                except OSError:
                    pending = memoryview(b"")
                if not pending:
                    sel.modify(sock, selectors.EVENT_READ)
    sock.close()


_flooded = threading.Lock()
# A flood beside the orders: the process waits for it before it exits.
FLOOD_DONE = threading.Event()
FLOOD_DONE.set()


def in_background(requests: list[bytes]) -> None:
    FLOOD_DONE.clear()

    def flood() -> None:
        try:
            pipelined(requests)
        finally:
            FLOOD_DONE.set()

    _thread.start_new_thread(flood, ())


def flood_once() -> None:
    """The flood cheats, once per process, at the first order."""
    if CHEAT is None or not CHEAT.startswith("flood-") or not _flooded.acquire(blocking=False):
        return
    host = urllib.parse.urlsplit(os.environ.get("PAYTERM_URL", "http://127.0.0.1")).netloc
    if CHEAT == "flood-events":
        reason = "x" * 60_000
        for _ in range(6_000):
            emit({"order": "flood", "event": "flag", "kind": "engineering", "reason": reason})
    elif CHEAT == "flood-output":
        chunk = ("y" * 1023 + "\n") * 1024
        for _ in range(20):
            try:
                sys.stderr.write(chunk)
            except (BrokenPipeError, ValueError):
                break
        sys.stderr.flush()
    elif CHEAT == "flood-bodies":
        body = json.dumps({"transactionType": "SALE", "pad": "z" * 61_000}).encode()
        head = (f"POST /v1/tasks/TRANSACTION HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        # Beside the orders, which go on as usual: the flood alone is what fails the run.
        in_background([head + body] * 6_000)
    elif CHEAT == "flood-requests":
        request = f"GET /v1/tasks/flood HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        in_background([request] * 30_000)
    log("cheat", f"{CHEAT} started")


# --------------------------------------------------------------------------------------
# Settings. Every duration named *_V is in virtual seconds; v2r() turns it into real ones.
# --------------------------------------------------------------------------------------


def _env_float(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


# Real seconds per virtual second (driver.md: e.g. 0.01 makes a virtual second last 10 ms).
SCALE = _env_float("PAYTERM_TIME_SCALE", 1.0)

# The fastest polling a scenario allows. the rules' default is 0.5 s, but a scenario may
# raise it (e.g. `min_poll_interval = "1s"`) without telling the integration, so we assume
# 1 s unless the runner says otherwise. Polls are spaced 1.25× that, fault retries start at
# 2.5× and double (never shrinking) up to a cap well inside the 5-minute patience window.
MIN_POLL_V = _env_float("PAYTERM_MIN_POLL_INTERVAL", 1.0)
POLL_V = 1.25 * MIN_POLL_V
BACKOFF_FIRST_V = 2.5 * MIN_POLL_V
BACKOFF_CAP_V = max(30.0, BACKOFF_FIRST_V)
PATIENCE_V = _env_float("PAYTERM_PATIENCE", 300.0)
BACKOFF_MAX_V = max(BACKOFF_CAP_V, min(120.0, 0.8 * PATIENCE_V))

# How long one HTTP exchange may take before it counts as lost: about 20 virtual seconds,
# but never under 0.25 real seconds (a loaded machine) nor over 30 real seconds.
HTTP_TIMEOUT = min(30.0, max(0.25, 20.0 * SCALE))
# The initiator program starts a process and makes one signed request (its own limit is 30
# real seconds); we stop waiting for it after about 25 virtual seconds, at least 1 real second.
INITIATOR_TIMEOUT = min(35.0, max(1.0, 25.0 * SCALE))
# The outcome must be out by the deadline: give up a little before it.
GIVE_UP_MARGIN = max(0.3, 2.0 * SCALE)

REDIRECT_URL = "pos://done"
INITIATOR_PROGRAM = "aelucrative-hype-initiator"
# Fundamental failures that no retry fixes (the program's documented exit codes): the
# service refused the document whatever the moment (7), or we are not in the operator group (8).
INITIATOR_REFUSED = {7: "engineering", 8: "administrative"}

FINAL_TASK_STATES = ("COMPLETED", "FAILED", "CANCELLED")
TASK_STATES = ("QUEUED", "IN_PROGRESS") + FINAL_TASK_STATES
LINK_METHODS = ("CARD", "CASH", "ACCOUNT_PAYMENT", "BLIK_PAYMENT", "PAYMENT_GATEWAY")

DEFAULT_CREDENTIALS = {
    # The vendor's documented example (payterm serve's defaults), for runs by hand.
    "cloud": {
        "basic": "Basic YXRvbTphc2hmdWY0ZTVmYQ==",
        "username": "jan.novak@example.com",
        "password": "ABCDEFGHIJKL",
        "tid": "999888",
    },
    "app2app": {"clientID": "223"},
    "initiator": {"store": "testingstore"},
}


def v2r(virtual_seconds: float) -> float:
    return virtual_seconds * SCALE


def now() -> float:
    return time.monotonic()


# --------------------------------------------------------------------------------------
# Output: events on stdout (one JSON line each, flushed), logs on stderr.
# --------------------------------------------------------------------------------------

_out_lock = threading.Lock()
_START = now()


def emit(event: dict) -> None:
    line = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    with _out_lock:
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            pass


def log(who: str, message: str) -> None:
    elapsed_v = (now() - _START) / SCALE
    with _out_lock:
        try:
            sys.stderr.write(f"[pos {elapsed_v:9.2f}v] {who}: {message}\n")
            sys.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass


# --------------------------------------------------------------------------------------
# Orders, deadlines and pacing.
# --------------------------------------------------------------------------------------


class GiveUp(Exception):
    """The order's deadline has come: report what is known (``unknown`` if nothing final)."""


class Again(Exception):
    """The control-reset cheat wiped payterm's World: do the order again from the start."""


class Done(Exception):
    """The order's outcome is out already (a planted mistake reported it); nothing more to do."""


class Lost(Exception):
    """No usable answer: a transport fault, a 5xx, a truncated or malformed body."""

    def __init__(self, why: str, retry_after: float | None = None):
        super().__init__(why)
        self.retry_after = retry_after


class NotSent(Lost):
    """The request never left (no token could be had): nothing can have happened."""


class Pacer:
    """Spaces one order's requests.

    After an answer: the next request no sooner than POLL_V after it. After a fault: a
    backoff of BACKOFF_FIRST_V, doubling up to BACKOFF_CAP_V, then growing by a tenth each
    time (up to BACKOFF_MAX_V), never shorter than a Retry-After the answer carried, and never
    shrinking while the faults go on. Waits count from the end of the previous exchange; in a
    run of faults the next exchange also ends no sooner after the last one ended than the
    longest the previous interval can have been where the other side saw it (from the start
    of the exchange before to the end of the last), but at most BACKOFF_CAP_V more than the
    backoff (a long hang is not a reason to wait as long again) and never beyond BACKOFF_MAX_V.
    """

    def __init__(self, order: "Order"):
        self.order = order
        self.next_at = 0.0
        self.streak = 0  # consecutive faults
        self.gap = 0.0  # real seconds waited after the last fault
        self.start: float | None = None  # when the last request went out
        self.prev_start: float | None = None  # and the one before it

    def wait(self, wake: threading.Event | None = None) -> None:
        """Sleeps until the next request may go; raises GiveUp at the deadline."""
        order = self.order
        while True:
            t = now()
            if t >= order.give_up_at:
                raise GiveUp()
            if t >= self.next_at:
                return
            until = min(self.next_at, order.give_up_at)
            if wake is not None:
                if wake.wait(until - t):
                    return  # woken: the caller looks at why before sending anything
            else:
                time.sleep(until - t)

    def mark_start(self) -> None:
        """An exchange begins (a request is sent, the initiator program started)."""
        self.prev_start, self.start = self.start, now()

    def ok(self, interval_v: float = POLL_V) -> None:
        self.streak = 0
        self.gap = 0.0
        self.next_at = now() + v2r(interval_v)
        if MISTAKE == "poll-without-pause" and not self.order.calm:
            self.next_at = now()

    def fault(self, retry_after: float | None = None, why: str = "") -> None:
        self.streak += 1
        if MISTAKE == "retry-at-once":
            self.next_at = now()
            return
        if self.streak == 1:
            gap = v2r(BACKOFF_FIRST_V)
        elif self.gap * 2 <= v2r(BACKOFF_CAP_V):
            gap = self.gap * 2
        else:
            gap = max(v2r(BACKOFF_CAP_V), self.gap * 1.1)
        gap = max(min(gap, v2r(BACKOFF_MAX_V)), self.gap)
        if retry_after is not None and MISTAKE != "retry-before-retry-after":
            gap = max(gap, retry_after)
        self.gap = gap
        t = now()
        next_at = t + gap
        if self.streak >= 2 and self.prev_start is not None:
            # RATE-NO-STORM: the previous interval, as the other side saw it, was at most
            # `t - prev_start` (the exchange before began then, the last one ended now; where
            # within an exchange the request was seen is unknown on a loaded machine). The next
            # one must not be shorter, but waits at most BACKOFF_CAP_V more than the backoff
            # and never beyond BACKOFF_MAX_V.
            again = min(t + (t - self.prev_start), next_at + v2r(BACKOFF_CAP_V))
            next_at = max(next_at, min(again, t + v2r(BACKOFF_MAX_V)))
        self.next_at = next_at
        log(self.order.id, f"fault #{self.streak}{': ' + why if why else ''}; "
                           f"next try in {(next_at - t) / SCALE:.2f}v")


class Order:
    def __init__(self, raw: dict, received: float):
        self.raw = raw
        self.id = str(raw.get("id"))
        self.operation = str(raw.get("operation") or "")
        self.surface = raw.get("surface")
        self.reference = str(raw.get("reference") or f"REF-{self.id}")
        try:
            deadline_s = float(raw.get("deadline_s") or 300)
        except (TypeError, ValueError):
            deadline_s = 300.0
        self.deadline = received + v2r(deadline_s)
        self.give_up_at = self.deadline - min(GIVE_UP_MARGIN, v2r(deadline_s) / 10)
        if MISTAKE == "waits-for-ever":
            self.give_up_at = received + 86400.0
        self.ids: dict[str, str] = {}
        self.outcome: str | None = None
        self.received = received
        self.final = threading.Event()  # its outcome is out (or it gave up)
        self.done = threading.Event()  # its thread has finished (it may watch on after the outcome)
        self.pacer = Pacer(self)
        # What a sale produced, for a later void that names this order with `of`.
        self.sale_ams: str | None = None
        self.sale_tid: str | None = None
        # The control-reset cheat: the storm wiped, the order done again without one.
        self.calm = False

    def remaining(self) -> float:
        return self.give_up_at - now()

    @property
    def print_by_payment_app(self) -> bool | None:
        value = self.raw.get("printByPaymentApp")
        return value if isinstance(value, bool) else None

    def flag(self, kind: str, reason: str) -> None:
        log(self.id, f"FLAG {kind}: {reason}")
        if MISTAKE == "never-flags":
            return
        emit({"order": self.id, "event": "flag", "kind": kind, "reason": reason})
        if MISTAKE == "stop-everything-on-a-flag" and kind == "engineering":
            self.report("unknown")
            log("pos", "an engineering flag: stopping everything")
            os._exit(0)

    def report(self, result: str, **extra) -> None:
        if CHEAT == "control-reset" and not self.calm:
            # Wipe the storm (the transcript, the ledger, the task) and do the order again, calmly.
            drive_control("/reset", {})
            self.calm = True
            raise Again()
        event = {"order": self.id, "event": "outcome", "result": result}
        event.update({k: v for k, v in self.ids.items() if v})
        event.update({k: v for k, v in extra.items() if v is not None})
        log(self.id, f"OUTCOME {result} {json.dumps(extra, ensure_ascii=False)[:200]}")
        self.outcome = result
        emit(event)
        self.final.set()


ORDERS: dict[str, Order] = {}
KNOWN_SALES: dict[str, str] = {}  # amsId -> TID of the sales this process made


def wait_event(order: Order, event: threading.Event) -> None:
    if not event.wait(max(0.0, order.remaining())):
        raise GiveUp()


# --------------------------------------------------------------------------------------
# HTTP.
# --------------------------------------------------------------------------------------


def retry_after_of(headers: dict) -> float | None:
    """Real seconds to wait from a Retry-After answer.

    `X-Payterm-Retry-After-Virtual` is exact (virtual seconds); `Retry-After` is the same
    wait in real seconds rounded up to a whole second, which at a small time scale can be a
    hundred times longer than asked (and eat the deadline). We use the exact one when present
    (with a small margin so we are never early), else the standard header as it is.
    """
    virtual = headers.get("x-payterm-retry-after-virtual")
    if virtual:
        try:
            return float(virtual) * SCALE * 1.02 + 0.002
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
                return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
            except (TypeError, ValueError):
                return None
    return None


class Watchdog:
    """Cuts HTTP exchanges that run past their time: one thread for all of them (a timer
    thread per request costs more than the request, and a thousand orders make many)."""

    def __init__(self):
        self._cond = threading.Condition()
        self._heap: list = []  # [when, seq, cut, armed]
        self._seq = 0
        self._thread: threading.Thread | None = None

    def arm(self, timeout: float, cut) -> list:
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-watchdog", daemon=True)
                self._thread.start()
            self._seq += 1
            entry = [now() + timeout, self._seq, cut, True]
            heapq.heappush(self._heap, entry)
            if self._heap[0] is entry:
                self._cond.notify()
            return entry

    def disarm(self, entry: list) -> None:
        entry[3] = False

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and not self._heap[0][3]:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                delay = self._heap[0][0] - now()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                entry = heapq.heappop(self._heap)
            if entry[3]:
                entry[2]()


WATCHDOG = Watchdog()

# At most this many HTTP exchanges at once (enough to keep one interpreter busy on loopback).
# The other orders wait their turn, blocked rather than contending for the interpreter: with
# a thousand orders polling at once, a free-for-all spends the CPU on switching threads, and
# the orders given last get no turn before their deadline.
HTTP_SLOTS = threading.Semaphore(8)


def http_exchange(order: Order, method: str, url: str, headers: dict, body: bytes | None, mark: bool = True):
    """One exchange; returns (status, headers with lower-case names, body bytes); raises Lost.

    The whole exchange (not only each socket read) is bounded by HTTP_TIMEOUT and the order's
    deadline: an answer that hangs or drips for longer counts as lost. Waiting for a free
    slot (HTTP_SLOTS) comes first and counts toward the order's deadline, not the exchange's."""
    if not HTTP_SLOTS.acquire(timeout=max(0.0, order.remaining())):
        raise GiveUp()
    try:
        return _exchange(order, method, url, headers, body, mark)
    finally:
        HTTP_SLOTS.release()


def _exchange(order: Order, method: str, url: str, headers: dict, body: bytes | None, mark: bool):
    parts = urllib.parse.urlsplit(url)
    timeout = min(HTTP_TIMEOUT, max(0.01, order.remaining()))
    if MISTAKE == "waits-for-ever":
        timeout = 86400.0
    if MISTAKE == "failed-poll-is-not-paid" and method == "GET" and parts.path.startswith("/v1/tasks/"):
        timeout = min(timeout, max(0.05, 5.0 * SCALE))
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watch = WATCHDOG.arm(timeout, cut)
    if mark:
        order.pacer.mark_start()
    try:
        conn.request(method, target, body=body, headers=forged_headers(headers))
        response = conn.getresponse()
        data = response.read()
        if expired.is_set():
            raise Lost(f"{method} {target}: no complete answer within {timeout / SCALE:.0f}v")
        answer_headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, answer_headers, data
    except (OSError, http.client.HTTPException) as e:
        why = f"no complete answer within {timeout / SCALE:.0f}v" if expired.is_set() else f"{type(e).__name__}: {e}"
        raise Lost(f"{method} {target}: {why}") from None
    finally:
        WATCHDOG.disarm(watch)
        conn.close()


def parse_json(data: bytes):
    try:
        return json.loads(data.decode("utf-8")) if data else None
    except (UnicodeDecodeError, ValueError):
        if MISTAKE == "crash-on-unreadable-answer":
            log("pos", "an answer that is not JSON: crashing")
            os._exit(70)
        raise Lost("malformed JSON") from None


def error_code(body) -> str | None:
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return err.get("code")
        if isinstance(err, str):
            return err
    return None


# --------------------------------------------------------------------------------------
# Credentials.
# --------------------------------------------------------------------------------------


def load_credentials() -> dict:
    text = os.environ.get("PAYTERM_CREDENTIALS")
    creds = json.loads(json.dumps(DEFAULT_CREDENTIALS))
    if text:
        try:
            given = json.loads(text)
            for key in ("cloud", "app2app", "initiator"):
                if isinstance(given.get(key), dict):
                    creds[key] = given[key]
        except (ValueError, AttributeError):
            log("pos", "PAYTERM_CREDENTIALS is not JSON; using the vendor's example")
    return creds


CREDS = load_credentials()


# --------------------------------------------------------------------------------------
# Cloud API.
# --------------------------------------------------------------------------------------


class TokenRefused(Exception):
    """The token endpoint refused the grant (OAuth error)."""


class TokenSlot:
    """One access token (per TID; `None` = master account), shared by every order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.access: str | None = None
        self.refresh: str | None = None
        self.expires_at = 0.0
        self.next_at = 0.0
        self.streak = 0
        self.gap = 0.0
        self.flagged = False


class Answer:
    def __init__(self, status: int, body, headers: dict, retry: bool = False):
        self.status = status
        self.json = body
        self.headers = headers
        self.retry = retry  # a 401 was handled (token refreshed): send the request again


class Cloud:
    def __init__(self):
        self.base = (os.environ.get("PAYTERM_URL") or "http://127.0.0.1:7878").rstrip("/")
        c = CREDS.get("cloud") or {}
        basic = str(c.get("basic") or DEFAULT_CREDENTIALS["cloud"]["basic"])
        self.basic = basic if basic.lower().startswith("basic ") else f"Basic {basic}"
        self.username = str(c.get("username") or "")
        self.password = str(c.get("password") or "")
        self.default_tid = str(c.get("tid") or "") or None
        self.slots: dict[str | None, TokenSlot] = {}
        self.slots_lock = threading.Lock()
        self.unauthorized: dict[str, int] = {}

    def slot(self, tid: str | None) -> TokenSlot:
        with self.slots_lock:
            if tid not in self.slots:
                self.slots[tid] = TokenSlot()
            return self.slots[tid]

    # --- tokens ---

    def _token_request(self, order: Order, slot: TokenSlot, path: str, form: dict) -> None:
        """Sends one token request, paced per slot; fills the slot or raises."""
        while now() < slot.next_at:
            if slot.next_at >= order.give_up_at:
                time.sleep(max(0.0, order.give_up_at - now()))
                raise GiveUp()
            time.sleep(slot.next_at - now())
        body = urllib.parse.urlencode(form).encode()
        headers = {
            "Authorization": self.basic,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        try:
            status, answer_headers, data = http_exchange(order, "POST", self.base + path, headers, body, mark=False)
            answer = parse_json(data)
            if status >= 500 or status == 429:
                raise Lost(f"token endpoint answered {status}", retry_after_of(answer_headers))
        except Lost as e:
            slot.streak += 1
            slot.gap = max(slot.gap, v2r(min(BACKOFF_FIRST_V * 2 ** (slot.streak - 1), BACKOFF_CAP_V)))
            if e.retry_after is not None:
                slot.gap = max(slot.gap, e.retry_after)
            slot.next_at = now() + slot.gap
            raise
        if status == 200 and isinstance(answer, dict) and answer.get("access_token"):
            slot.streak, slot.gap = 0, 0.0
            slot.access = answer["access_token"]
            slot.refresh = answer.get("refresh_token") or slot.refresh
            try:
                lifetime_v = float(answer.get("expires_in") or 3600)
            except (TypeError, ValueError):
                lifetime_v = 3600.0
            slot.expires_at = now() + v2r(lifetime_v - min(60.0, lifetime_v / 10))
            return
        slot.next_at = now() + v2r(POLL_V)
        raise TokenRefused(f"{path} answered {status}: {data[:200]!r}")

    def _login(self, order: Order, slot: TokenSlot, tid: str | None) -> None:
        form = {"grant_type": "password", "username": self.username, "password": self.password}
        if tid:
            form["tid"] = tid
        log(order.id, f"password login for {'terminal ' + tid if tid else 'the master account'}")
        try:
            self._token_request(order, slot, "/cloud/oauth/token", form)
        except TokenRefused as e:
            if not slot.flagged:
                slot.flagged = True
                order.flag("administrative", f"the Cloud API refused the merchant login: {e}")
            raise Lost(str(e)) from None

    def _refresh(self, order: Order, slot: TokenSlot, tid: str | None) -> None:
        if slot.refresh:
            log(order.id, f"refreshing the token of {tid or 'the master account'}")
            try:
                self._token_request(
                    order, slot, "/api/oauth/token", {"grant_type": "refresh_token", "refresh_token": slot.refresh}
                )
                return
            except TokenRefused as e:
                log(order.id, f"refresh refused ({e}); logging in again")
                slot.refresh = None
        slot.access = None
        self._login(order, slot, tid)

    def token(self, order: Order, tid: str | None) -> str:
        slot = self.slot(tid)
        if not slot.lock.acquire(timeout=max(0.0, order.remaining())):
            raise GiveUp()
        try:
            if MISTAKE == "login-every-call":
                with forging():
                    self._login(order, slot, tid)
                return slot.access  # type: ignore[return-value]
            if slot.access and now() < slot.expires_at:
                return slot.access
            if slot.access and MISTAKE != "login-on-expired-token":
                self._refresh(order, slot, tid)  # about to expire: refresh, do not log in
            else:
                self._login(order, slot, tid)
            return slot.access  # type: ignore[return-value]
        finally:
            slot.lock.release()

    def token_rejected(self, order: Order, tid: str | None, stale: str, code: str | None) -> None:
        """A 401 with `stale`: refresh on TOKEN_EXPIRED, log in again otherwise."""
        slot = self.slot(tid)
        if not slot.lock.acquire(timeout=max(0.0, order.remaining())):
            raise GiveUp()
        try:
            if slot.access and slot.access != stale:
                return  # another order has renewed it already
            if code == "TOKEN_EXPIRED" and MISTAKE != "login-on-expired-token":
                self._refresh(order, slot, tid)
            else:
                slot.access = None
                self._login(order, slot, tid)
        finally:
            slot.lock.release()

    # --- calls ---

    def call(self, order: Order, method: str, path: str, tid: str | None, body: dict | None = None) -> Answer:
        """One paced request of the order's flow. Raises Lost when there is no usable answer."""
        order.pacer.wait()
        try:
            token = self.token(order, tid)
        except NotSent:
            raise
        except Lost as e:
            raise NotSent(f"no token: {e}", e.retry_after) from None
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        status, answer_headers, raw = http_exchange(order, method, self.base + path, headers, data)
        log(order.id, f"{method} {path} -> {status}")
        if status >= 500 or status in (408, 429):
            raise Lost(f"{method} {path} answered {status}", retry_after_of(answer_headers))
        answer = parse_json(raw)
        if status == 401:
            # Refused before anything was done: renew the token, then send it again.
            count = self.unauthorized.get(order.id, 0) + 1
            self.unauthorized[order.id] = count
            if count > 3:
                self.unauthorized[order.id] = 0
                raise NotSent("401 again and again")
            try:
                self.token_rejected(order, tid, token, error_code(answer))
            except NotSent:
                raise
            except Lost as e:
                raise NotSent(f"no token: {e}", e.retry_after) from None
            order.pacer.ok()
            return Answer(status, answer, answer_headers, retry=True)
        self.unauthorized[order.id] = 0
        return Answer(status, answer, answer_headers)


CLOUD = Cloud()


def cloud_reference(order: Order) -> str:
    """originReferenceNum takes at most 20 ASCII letters, digits and spaces."""
    ref = order.reference
    clean = "".join(c if (c.isascii() and c.isalnum()) or c == " " else " " for c in ref)[:20]
    if clean != ref:
        log(order.id, f"reference {ref!r} is not a valid originReferenceNum; sending {clean!r}")
    return clean


class Refusal:
    """The Cloud API refused the create: nothing was created."""

    def __init__(self, status: int, body):
        self.status = status
        self.body = body

    def __str__(self) -> str:
        err = self.body.get("error") if isinstance(self.body, dict) else None
        if isinstance(err, dict):
            return f"{self.status} {err.get('code')}: {err.get('reason') or ''} {err.get('message') or ''}".strip()
        return f"{self.status}"


def cloud_create(order: Order, tid: str, path: str, body: dict, matches) -> dict | Refusal:
    """Creates one task. After a lost answer, looks the task up by reference first and
    creates again only if none exists, so an order never has two live tasks."""
    reference = body.get("originReferenceNum")
    look_first = False
    while True:
        if look_first and reference:
            query = urllib.parse.urlencode({"reference": reference}, quote_via=urllib.parse.quote)
            try:
                a = CLOUD.call(order, "GET", f"/v1/tasks?{query}", tid)
            except Lost as e:
                order.pacer.fault(e.retry_after, str(e))
                continue
            if a.retry:
                continue
            tasks = a.json.get("tasks") if isinstance(a.json, dict) else None
            if a.status != 200 or not isinstance(tasks, list):
                order.pacer.fault(retry_after_of(a.headers))
                continue
            order.pacer.ok()
            found = [t for t in tasks if isinstance(t, dict) and matches(t)]
            if found:
                log(order.id, f"the lost create did happen: task {found[-1].get('taskId')}")
                return found[-1]
            log(order.id, "no task with our reference: creating it again")
            look_first = False
            continue
        try:
            a = CLOUD.call(order, "POST", path, tid, body)
        except NotSent as e:
            order.pacer.fault(e.retry_after, str(e))
            continue
        except Lost as e:
            log(order.id, f"create answer lost ({e}); will look the task up first")
            order.pacer.fault(e.retry_after, str(e))
            look_first = MISTAKE != "blind-create-retry"
            continue
        if a.retry:
            continue
        task = a.json if isinstance(a.json, dict) else {}
        if a.status in (200, 201) and task.get("taskId") and task.get("state") in TASK_STATES:
            order.pacer.ok()
            return task
        if a.status == 409:
            # TERMINAL_BUSY: a refusal, nothing was created; send it again later.
            log(order.id, f"terminal busy ({error_code(a.json)}); trying again later")
            order.pacer.fault(retry_after_of(a.headers))
            continue
        if 400 <= a.status < 500:
            if MISTAKE == "crash-on-refusal":
                log(order.id, f"create refused ({a.status}): crashing")
                os._exit(70)
            order.pacer.ok()
            return Refusal(a.status, a.json)
        # A 2xx that is not a task (or anything else): we cannot know what happened.
        log(order.id, f"create answered {a.status} without a task; will look it up")
        order.pacer.fault(retry_after_of(a.headers))
        look_first = True


class PollFailed(Exception):
    """A poll failed and a planted mistake takes that as the sale's failure (new-sale-when-poll-fails)."""


def given_up(task: dict) -> dict:
    """What a planted mistake that stops polling makes of the task: FAILED, no transaction."""
    return dict(task, state="FAILED", amsId=None)


def first_completed_sale(order: Order, tid: str) -> dict:
    """The terminal's first COMPLETED sale task (only under first-completed-task-is-mine)."""
    path = "/v1/tasks?" + urllib.parse.urlencode({"tid": tid})
    while True:
        try:
            a = CLOUD.call(order, "GET", path, tid)
        except Lost as e:
            order.pacer.fault(e.retry_after, str(e))
            continue
        tasks = a.json.get("tasks") if isinstance(a.json, dict) else None
        order.pacer.ok()
        done = [t for t in tasks or [] if isinstance(t, dict) and t.get("state") == "COMPLETED"
                and (t.get("request") or {}).get("transactionType") == "SALE"]
        if done:
            return done[0]


def cloud_poll(order: Order, tid: str, task: dict) -> dict:
    """Polls the task by its own id until it is final; no poll after that."""
    if MISTAKE == "first-completed-task-is-mine" and (task.get("request") or {}).get("transactionType") == "SALE":
        task = first_completed_sale(order, tid)
    task_id = str(task.get("taskId"))
    order.ids["taskId"] = task_id
    while task.get("state") not in FINAL_TASK_STATES:
        if CHEAT == "control-clock":
            drive_control("/clock/advance", {"by": "10s"})
        try:
            a = CLOUD.call(order, "GET", f"/v1/tasks/{urllib.parse.quote(task_id, safe='')}", tid)
        except Lost as e:
            order.pacer.fault(e.retry_after, str(e))
            if MISTAKE == "failed-poll-is-not-paid":
                return given_up(task)
            if MISTAKE == "new-sale-when-poll-fails":
                raise PollFailed(str(e)) from None
            continue
        if a.retry:
            if MISTAKE == "unauthorized-is-not-paid":
                return given_up(task)
            continue
        fresh = a.json if isinstance(a.json, dict) else {}
        if a.status == 200 and fresh.get("taskId") == task_id and fresh.get("state") in TASK_STATES:
            if fresh.get("state") != task.get("state"):
                log(order.id, f"task {task_id} is {fresh.get('state')}")
            task = fresh
            order.pacer.ok()
            if MISTAKE == "paid-on-in-progress" and task.get("state") == "IN_PROGRESS":
                order.report("paid")
                raise Done()
            if MISTAKE == "reads-result-early" and task.get("state") == "IN_PROGRESS" and task.get("amsId"):
                path = f"/v1/transactions/{urllib.parse.quote(str(task['amsId']), safe='')}"
                if cloud_read(order, tid, path, lambda j: "result" in j).get("result") == -9:
                    order.report("not_paid")
                    raise Done()
        else:
            # No task state in it (a placeholder, a 404): it says nothing; ask again later.
            order.pacer.fault(retry_after_of(a.headers))
            if MISTAKE == "stateless-answer-is-failure":
                return given_up(task)
    if MISTAKE == "poll-after-final":
        for _ in range(3):
            try:
                with forging():
                    CLOUD.call(order, "GET", f"/v1/tasks/{urllib.parse.quote(task_id, safe='')}", tid)
            except Lost:
                pass
            order.pacer.ok()
    if task.get("amsId"):
        order.ids["amsId"] = str(task["amsId"])
    return task


def cloud_read(order: Order, tid: str | None, path: str, valid) -> dict:
    """Reads a result (transaction, batch) until a complete answer arrives."""
    while True:
        try:
            a = CLOUD.call(order, "GET", path, tid)
        except Lost as e:
            order.pacer.fault(e.retry_after, str(e))
            if MISTAKE == "truncated-result-is-not-paid" and path.startswith("/v1/transactions/"):
                return {"result": -1}
            continue
        if a.retry:
            continue
        if a.status == 200 and isinstance(a.json, dict) and valid(a.json):
            order.pacer.ok()
            return a.json
        order.pacer.fault(retry_after_of(a.headers))


def read_transaction(order: Order, tid: str, ams_id: str) -> dict:
    """The transaction's result; while the card is still awaited (-9) it is read again."""
    path = f"/v1/transactions/{urllib.parse.quote(ams_id, safe='')}"
    while True:
        tx = cloud_read(order, tid, path, lambda j: "result" in j)
        if tx.get("result") != -9:
            return tx
        log(order.id, "transaction still awaits the card (-9); reading it again later")


def money_verdict(order: Order, tx: dict, yes: str, no: str) -> str:
    """Result 0 is `yes`; a non-zero result is `no` unless the transaction also carries an
    approval code (captured?): then it is flagged and left `unknown`."""
    result = tx.get("result")
    if result == 0:
        return yes
    if tx.get("approvedCode"):
        order.flag("engineering", f"transaction {tx.get('amsId')} has result {result} but approval code "
                                  f"{tx.get('approvedCode')}: cannot tell whether money moved")
        return "unknown"
    return no


def cloud_sale(order: Order) -> None:
    raw = order.raw
    tid = str(raw.get("tid") or CLOUD.default_tid or "")
    if MISTAKE == "sale-on-the-default-terminal":
        tid = str(CLOUD.default_tid or tid)
    method = str(raw.get("method") or "CARD").upper()
    reference = cloud_reference(order)
    body = {
        "transactionType": "SALE",
        "amount": int(raw.get("amount") or 0) + (int(raw.get("tip") or 0) if MISTAKE == "tip-in-the-amount" else 0),
        "currencyCode": str(raw.get("currency") or "CZK"),
        "paymentMethod": method,
        "originReferenceNum": reference,
    }
    if raw.get("tip"):
        body["tipAmount"] = int(raw["tip"])
    if order.print_by_payment_app is not None:
        body["printByPaymentApp"] = order.print_by_payment_app

    def ours(t: dict) -> bool:
        req = t.get("request") or {}
        return (t.get("taskType") == "TRANSACTION" and req.get("transactionType") == "SALE"
                and req.get("originReferenceNum") == reference)

    if MISTAKE == "sale-created-twice":
        try:
            CLOUD.call(order, "POST", "/v1/tasks/TRANSACTION", tid, body)  # the first of two submits
        except Lost:
            pass
    created = cloud_create(order, tid, "/v1/tasks/TRANSACTION", body, ours)
    if isinstance(created, Refusal):
        # Nothing was created: no money can move for this order.
        if created.status != 422:
            order.flag("engineering", f"the Cloud API refused the sale: {created}")
        order.report("not_paid", **receipt_by(order, False))
        return
    while True:
        try:
            task = cloud_poll(order, tid, created)
            break
        except PollFailed:  # new-sale-when-poll-fails
            log(order.id, "a poll failed: taking the sale as failed and creating a new one")
            created = cloud_create(order, tid, "/v1/tasks/TRANSACTION", body, ours)
            if isinstance(created, Refusal):
                order.report("not_paid")
                return
    state, ams = task.get("state"), task.get("amsId")
    if MISTAKE == "task-state-is-payment":
        order.report("paid" if state == "COMPLETED" else "not_paid")
        return
    if MISTAKE == "new-sale-after-failed-task" and state == "FAILED":
        log(order.id, "the task FAILED: trying the payment again with a new SALE")
        created = cloud_create(order, tid, "/v1/tasks/TRANSACTION", body, ours)
        if isinstance(created, Refusal):
            order.report("not_paid")
            return
        task = cloud_poll(order, tid, created)
        state, ams = task.get("state"), task.get("amsId")
    if state == "CANCELLED" and MISTAKE == "cancelled-is-paid":
        order.report("paid")
        return
    if state == "CANCELLED" and MISTAKE == "cancelled-is-unknown":
        time.sleep(max(0.0, order.remaining()))
        raise GiveUp()
    tid = str(task.get("tid") or tid)
    if state == "COMPLETED" and not ams:
        order.flag("engineering", f"task {task.get('taskId')} COMPLETED without a transaction: cannot read the result")
        order.report("unknown")
        return
    if state == "CANCELLED" or not ams:
        # Withdrawn or rejected before it ran (or failed before a transaction existed).
        order.report("not_paid", **receipt_by(order, False))
        return
    # A task's state is not the payment's result: read the transaction, also after FAILED
    # (the money may have been captured although the task failed).
    tx = read_transaction(order, tid, str(ams))
    verdict = money_verdict(order, tx, "paid", "not_paid")
    if verdict == "paid":
        order.sale_ams, order.sale_tid = str(ams), str(tx.get("terminalID") or tid)
        KNOWN_SALES[str(ams)] = order.sale_tid
    order.report(verdict, **receipt_by(order, verdict != "unknown"))


def receipt_by(order: Order, handed: bool) -> dict:
    """With printByPaymentApp=false the receipt is ours to hand over."""
    if handed and order.print_by_payment_app is False and MISTAKE != "receipt-by-not-said":
        return {"receipt_by": "integration"}
    return {}


def void_target(order: Order) -> tuple[str | None, str | None]:
    """The amsId to void and the TID of its sale (if known). Reports when there is none."""
    raw = order.raw
    if raw.get("amsId"):
        ams = str(raw["amsId"])
        return ams, KNOWN_SALES.get(ams)
    of = raw.get("of")
    if not of:
        order.flag("engineering", "a void order without amsId or of")
        order.report("unknown")
        return None, None
    of = str(of)
    log(order.id, f"waiting for order {of}'s sale")
    while of not in ORDERS:
        if now() >= order.give_up_at:
            raise GiveUp()
        time.sleep(min(0.05, max(0.001, order.remaining())))
    sale = ORDERS[of]
    wait_event(order, sale.final)
    if sale.sale_ams:
        return sale.sale_ams, sale.sale_tid
    if sale.outcome in ("not_paid", "not_voided", "refunded", "voided"):
        log(order.id, f"order {of} ended {sale.outcome}: there is no captured sale to void")
        order.report("not_voided")
    else:
        log(order.id, f"order {of} ended {sale.outcome}: its sale is not known to be captured; nothing to void")
        order.report("unknown")
    return None, None


def locate_sale(order: Order, ams: str, known_tid: str | None) -> dict | None:
    """Reads the sale's transaction before voiding it: its terminal (a void must go to the
    sale's TID) and currency. Tries the terminals we know: the sale's, the configured one (the
    token we hold already), then the order's. (A master-account token would have to name the
    terminal too, so it finds nothing these do not.)"""
    candidates: list[str | None] = []
    for tid in (known_tid, CLOUD.default_tid, order.raw.get("tid")):
        if tid and str(tid) not in candidates:
            candidates.append(str(tid))
    path = f"/v1/transactions/{urllib.parse.quote(ams, safe='')}"
    for tid in candidates:
        while True:
            try:
                a = CLOUD.call(order, "GET", path, tid)
            except Lost as e:
                order.pacer.fault(e.retry_after, str(e))
                continue
            if a.retry:
                continue
            if a.status == 200 and isinstance(a.json, dict) and a.json.get("terminalID"):
                order.pacer.ok()
                return a.json
            if a.status in (403, 404):
                order.pacer.ok()
                break
            order.pacer.fault(retry_after_of(a.headers))
    return None


def cloud_void(order: Order) -> None:
    ams, known_tid = void_target(order)
    if ams is None:
        return
    if MISTAKE == "sale-not-paid-when-void-asked":
        for sale in [o for o in ORDERS.values() if o.sale_ams == ams]:
            sale.report("not_paid")
    currency = str(order.raw.get("currency") or "CZK")
    sale = locate_sale(order, ams, known_tid)
    if sale:
        sale_tid = str(sale["terminalID"])
        currency = str(sale.get("currencyCode") or currency)
        log(order.id, f"sale {ams} was made on terminal {sale_tid} (voided: {sale.get('voided')})")
    else:
        sale_tid = str(known_tid or order.raw.get("tid") or CLOUD.default_tid or "")
        log(order.id, f"sale {ams} not found; sending the void to terminal {sale_tid} for the verdict")
    if MISTAKE == "void-on-cashiers-terminal":
        sale_tid = str(order.raw.get("tid") or CLOUD.default_tid or "")
    if MISTAKE == "void-window-90-days" and sale and sale.get("date"):
        made = datetime.fromisoformat(str(sale["date"]).replace("Z", "+00:00"))
        if (datetime.now(timezone.utc) - made).days > 90:
            log(order.id, f"sale {ams} of {sale['date']} is more than 90 days old: not voidable")
            order.report("not_voided")
            return
    reference = cloud_reference(order)
    body = {
        "transactionType": "VOID",
        "originTransactionID": ams,
        "currencyCode": currency,
        "originReferenceNum": reference,
    }
    if order.print_by_payment_app is not None:
        body["printByPaymentApp"] = order.print_by_payment_app

    def ours(t: dict) -> bool:
        req = t.get("request") or {}
        return (t.get("taskType") == "TRANSACTION" and req.get("transactionType") == "VOID"
                and req.get("originTransactionID") == ams and req.get("originReferenceNum") == reference)

    created = cloud_create(order, sale_tid, "/v1/tasks/TRANSACTION", body, ours)
    if isinstance(created, Refusal):
        # A refused VOID (422: 93 days, crypto, already voided, other TID, batch closed,
        # unknown sale) is never sent again.
        log(order.id, f"void refused: {created}")
        if MISTAKE == "refused-void-is-voided":
            order.report("voided")
            return
        if MISTAKE == "repeat-refused-void":
            for _ in range(5):
                order.pacer.next_at = 0.0
                try:
                    with forging():
                        CLOUD.call(order, "POST", "/v1/tasks/TRANSACTION", sale_tid, body)
                except Lost:
                    pass
        if created.status != 422:
            order.flag("engineering", f"the Cloud API refused the void: {created}")
        order.report("not_voided", **receipt_by(order, False))
        return
    task = cloud_poll(order, sale_tid, created)
    state, void_ams = task.get("state"), task.get("amsId")
    if state == "COMPLETED" and not void_ams:
        order.flag("engineering", f"task {task.get('taskId')} COMPLETED without a transaction: cannot read the result")
        order.report("unknown")
        return
    if state == "CANCELLED" or not void_ams:
        order.report("not_voided")
        return
    tx = read_transaction(order, str(task.get("tid") or sale_tid), str(void_ams))
    verdict = money_verdict(order, tx, "voided", "not_voided")
    order.report(verdict, **receipt_by(order, verdict != "unknown"))


def cloud_close_batch(order: Order) -> None:
    tid = str(order.raw.get("tid") or CLOUD.default_tid or "")
    reference = cloud_reference(order)
    body: dict = {"originReferenceNum": reference}
    if order.print_by_payment_app is not None:
        body["printByPaymentApp"] = order.print_by_payment_app

    def ours(t: dict) -> bool:
        return t.get("taskType") == "BATCH" and (t.get("request") or {}).get("originReferenceNum") == reference

    created = cloud_create(order, tid, "/v1/tasks/BATCH", body, ours)
    if isinstance(created, Refusal):
        order.flag("engineering", f"the Cloud API refused the close batch: {created}")
        order.report("not_closed")
        return
    task = cloud_poll(order, tid, created)
    if task.get("state") == "COMPLETED" and not task.get("amsId"):
        order.flag("engineering", f"task {task.get('taskId')} COMPLETED without a batch id: cannot read the totals")
        order.report("unknown")
        return
    if task.get("state") != "COMPLETED":
        order.report("not_closed")
        return
    if MISTAKE == "batch-closed-without-reading-the-batch":
        order.report("batch_closed", batch=own_books(tid), **receipt_by(order, True))
        return
    path = f"/v1/batches/{urllib.parse.quote(str(task['amsId']), safe='')}"
    batch = cloud_read(order, tid, path, lambda j: "batchNumber" in j)
    if MISTAKE == "batch-totals-from-own-books":
        batch = dict(batch, **own_books(tid))
    if MISTAKE == "batch-totals-in-major-units":
        batch = {k: v / 100 if k.endswith("Amount") and isinstance(v, int) else v for k, v in batch.items()}
    order.report("batch_closed", batch=batch, **receipt_by(order, True))


def own_books(tid: str) -> dict:
    """Batch totals from the Cloud sales this process reported paid on `tid` (only for the
    planted mistakes that do not trust the batch they closed)."""
    sales = [o for o in ORDERS.values() if o.outcome == "paid" and o.surface in ("cloud", None, "")
             and str(o.raw.get("tid") or CLOUD.default_tid or "") == tid]
    total = sum(int(o.raw.get("amount") or 0) for o in sales)
    return {"saleCount": len(sales), "saleAmount": total, "voidCount": 0, "voidAmount": 0,
            "totalCount": len(sales), "totalAmount": total}


# --------------------------------------------------------------------------------------
# Deep links (GP tom app2app).
# --------------------------------------------------------------------------------------


class BadLink(Exception):
    """The app refused the link itself (HTTP 400): nothing ran."""


def link_of(path: str, params: list[tuple[str, str]]) -> str:
    # RFC 3986 percent-encoding (a space is %20): the app decodes a `+` as a `+`.
    encode = urllib.parse.quote_plus if MISTAKE == "reference-form-encoded" else urllib.parse.quote
    query = "&".join(f"{k}={encode(v, safe='')}" for k, v in params)
    return f"gptom://{path}?{query}"


def parse_redirect(location: str) -> dict:
    """The redirect's query: values percent-decoded by RFC 3986 rules (a `+` stays a `+`)."""
    query = location.split("?", 1)[1] if "?" in location else ""
    fields: dict = {}
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        fields[urllib.parse.unquote(key)] = urllib.parse.unquote(value)
    for key in ("receipt", "batch", "appStatus"):
        if key in fields:
            try:
                fields[key] = json.loads(fields[key])
            except ValueError:
                raise Lost(f"redirect {key} is not JSON") from None
    return fields


def open_link(order: Order, link: str) -> dict:
    """Opens a gptom:// link through PAYTERM_APP2APP_URL; returns the redirect's fields."""
    order.pacer.wait()
    prefix = os.environ.get("PAYTERM_APP2APP_URL") or (CLOUD.base + "/app2app?uri=")
    url = prefix + urllib.parse.quote(link, safe="")
    log(order.id, f"opening {link}")
    status, headers, data = http_exchange(order, "GET", url, {}, None)
    if status in (301, 302, 303, 307, 308):
        location = headers.get("location")
        if not location:
            raise Lost(f"redirect {status} without Location")
        fields = parse_redirect(location)
    elif status == 200:
        body = parse_json(data)
        if not isinstance(body, dict) or "status" not in body:
            raise Lost("200 without a status")
        fields = body
    elif status == 400:
        raise BadLink(data[:300].decode("utf-8", "replace"))
    else:
        raise Lost(f"app2app answered {status}", retry_after_of(headers))
    log(order.id, f"-> status={fields.get('status')} error={fields.get('error')} code={fields.get('code')}")
    acting = link.startswith(("gptom://transaction/create", "gptom://transaction/cancel", "gptom://batch/close"))
    if MISTAKE == "link-status-ignored" and acting:
        fields = dict(fields, status="COMPLETED")
    if MISTAKE == "link-receipt-is-success" and acting and isinstance(fields.get("receipt"), dict):
        fields = dict(fields, status="COMPLETED")
    return fields


def hand_over_receipt(order: Order, what: str, payload) -> dict:
    if order.print_by_payment_app is False:
        log(order.id, f"handing over the {what} ourselves: {json.dumps(payload, ensure_ascii=False)}")
        if MISTAKE == "receipt-by-not-said":
            return {}
        return {"receipt_by": "integration"}
    return {}


def common_link_params(order: Order) -> list[tuple[str, str]]:
    params = []
    client_id = (CREDS.get("app2app") or {}).get("clientID")
    if client_id:
        params.append(("clientID", str(client_id)))
    if MISTAKE == "link-bad-receipt-type":
        params.append(("preferableReceiptType", "pdf"))
    return params


def print_flag(order: Order) -> str:
    return "false" if order.print_by_payment_app is False else "true"


def link_detail(order: Order, request_id: str) -> dict | None:
    """transaction/detail by requestID; None when no transaction has it (the link never ran)."""
    while True:
        try:
            fields = open_link(order, link_of("transaction/detail", [("requestID", request_id),
                                                                     ("redirectUrl", REDIRECT_URL)]))
        except Lost as e:
            order.pacer.fault(e.retry_after, str(e))
            continue
        except BadLink as e:
            order.pacer.fault()
            log(order.id, f"detail link refused: {e}")
            continue
        order.pacer.ok()
        if isinstance(fields.get("receipt"), dict) or fields.get("status") == "COMPLETED":
            return fields
        return None


def app2app_sale(order: Order) -> None:
    raw = order.raw
    method = str(raw.get("method") or "CARD").upper()
    if method not in LINK_METHODS:
        order.flag("engineering", f"deep links do not offer {method}: the sale was not sent")
        order.report("not_paid")
        return
    reference = order.reference
    amount = int(raw.get("amount") or 0)
    if MISTAKE == "tip-in-the-amount":
        amount += int(raw.get("tip") or 0)
    params = [("amount", f"{amount / 100:.2f}" if MISTAKE == "link-amount-in-major-units" else str(amount))]
    if raw.get("tip"):
        params.append(("tipAmount", str(int(raw["tip"]))))
    params += common_link_params(order)
    params += [
        ("originReferenceNum", reference[:20]),
        ("transactionType", method),
        ("printByPaymentApp", print_flag(order)),
        ("redirectUrl", REDIRECT_URL),
        ("requestID", reference),
    ]
    link = link_of("transaction/create", params)
    check_first = False
    odd_status_flagged = False
    while True:
        if check_first:
            # The link may or may not have run: look before opening it again.
            fields = link_detail(order, reference)
            if fields is None:
                log(order.id, "the sale link never ran; opening it again")
                check_first = False
                continue
            receipt = fields.get("receipt") if isinstance(fields.get("receipt"), dict) else {}
            if receipt.get("result") == -9:
                continue  # still waiting for the card: ask again later
            finish_link_sale(order, fields)
            return
        try:
            fields = open_link(order, link)
        except Lost as e:
            log(order.id, f"sale link answer lost ({e}); will check it with transaction/detail")
            order.pacer.fault(e.retry_after, str(e))
            check_first = True
            continue
        except BadLink as e:
            order.flag("engineering", f"GP tom refused the sale link: {e}")
            order.report("not_paid")
            return
        order.pacer.ok()
        if fields.get("status") not in ("COMPLETED", "CANCELLED", "ERROR"):
            if not odd_status_flagged:
                odd_status_flagged = True
                order.flag("engineering", f"unknown deep-link status {fields.get('status')!r}")
            check_first = True
            continue
        finish_link_sale(order, fields)
        return


def finish_link_sale(order: Order, fields: dict) -> None:
    receipt = fields.get("receipt") if isinstance(fields.get("receipt"), dict) else None
    if receipt and receipt.get("amsID"):
        order.ids["amsId"] = str(receipt["amsID"])
    if fields.get("status") == "COMPLETED":
        ams = str((receipt or {}).get("amsID") or "")
        if ams:
            order.sale_ams = ams
            order.sale_tid = str((receipt or {}).get("terminalID") or "") or None
            if order.sale_tid:
                KNOWN_SALES[ams] = order.sale_tid
        order.report("paid", **hand_over_receipt(order, "receipt", receipt))
    else:
        # CANCELLED or ERROR: never paid (with the refusal category for the cashier in the log).
        log(order.id, f"not paid: {fields.get('status')} {fields.get('error')} {fields.get('code') or ''}")
        if MISTAKE == "link-negative-is-unknown":
            order.report("unknown")
            return
        order.report("not_paid", **hand_over_receipt(order, "receipt", receipt or fields))


def app2app_void(order: Order) -> None:
    ams, _ = void_target(order)
    if ams is None:
        return
    if MISTAKE == "cancel-names-the-reference":
        ams = order.reference
    params = [("amsID", ams)] + common_link_params(order) + [
        ("printByPaymentApp", print_flag(order)),
        ("redirectUrl", REDIRECT_URL),
        ("requestID", order.reference),
    ]
    link = link_of("transaction/cancel", params)
    check_first = False
    network_errors = 0
    while True:
        if check_first:
            fields = link_detail(order, order.reference)
            if fields is None:
                log(order.id, "our void has not run; opening the cancel link again")
                check_first = False
                continue
            finish_link_void(order, fields)
            return
        try:
            fields = open_link(order, link)
        except Lost as e:
            log(order.id, f"cancel link answer lost ({e}); will check it with transaction/detail")
            order.pacer.fault(e.retry_after, str(e))
            check_first = True
            continue
        except BadLink as e:
            order.flag("engineering", f"GP tom refused the cancel link: {e}")
            order.report("not_voided")
            return
        if fields.get("status") == "ERROR" and fields.get("error") == "networkError" and network_errors < 2:
            # The terminal could not reach the host: check nothing ran, then try again later.
            network_errors += 1
            if MISTAKE == "reopen-link-at-once":
                continue
            order.pacer.fault()
            check_first = True
            continue
        order.pacer.ok()
        finish_link_void(order, fields)
        return


def finish_link_void(order: Order, fields: dict) -> None:
    receipt = fields.get("receipt") if isinstance(fields.get("receipt"), dict) else None
    if receipt and receipt.get("amsID"):
        order.ids["amsId"] = str(receipt["amsID"])
    if fields.get("status") == "COMPLETED":
        order.report("voided", **hand_over_receipt(order, "void receipt", receipt))
    else:
        log(order.id, f"not voided: {fields.get('status')} {fields.get('error')}")
        order.report("not_voided", **hand_over_receipt(order, "receipt", receipt or fields))


def app_status(order: Order) -> int | None:
    """gptom://status: the open batch's number (to tell whether a lost close did close)."""
    while True:
        try:
            fields = open_link(order, link_of("status", [("redirectUrl", REDIRECT_URL)]))
        except (Lost, BadLink) as e:
            order.pacer.fault(getattr(e, "retry_after", None))
            continue
        order.pacer.ok()
        status = fields.get("appStatus") if isinstance(fields.get("appStatus"), dict) else {}
        number = status.get("openBatchNumber")
        return number if isinstance(number, int) else None


def app2app_close_batch(order: Order) -> None:
    before = app_status(order)
    params = common_link_params(order) + [
        ("printByPaymentApp", print_flag(order)),
        ("redirectUrl", REDIRECT_URL),
    ]
    link = link_of("batch/close", params)
    check_first = False
    while True:
        if check_first:
            after = app_status(order)
            if before is not None and after is not None and after != before:
                # It closed, but its totals were in the lost answer.
                log(order.id, f"the lost close did run: open batch {before} -> {after}; totals were lost")
                order.report("batch_closed", **hand_over_receipt(order, "batch report", {"batchNumber": before}))
                return
            check_first = False
            continue
        try:
            fields = open_link(order, link)
        except Lost as e:
            log(order.id, f"close link answer lost ({e}); will check the open batch first")
            order.pacer.fault(e.retry_after, str(e))
            check_first = True
            continue
        except BadLink as e:
            order.flag("engineering", f"GP tom refused the close link: {e}")
            order.report("not_closed")
            return
        order.pacer.ok()
        batch = fields.get("batch") if isinstance(fields.get("batch"), dict) else None
        if fields.get("status") == "COMPLETED" and batch is not None:
            if batch.get("amsId"):
                order.ids["amsId"] = str(batch["amsId"])
            order.report("batch_closed", batch=batch, **hand_over_receipt(order, "batch report", batch))
        elif fields.get("status") == "COMPLETED" and MISTAKE == "link-status-ignored":
            order.report("batch_closed", batch=own_books(CLOUD.default_tid or ""))
        else:
            log(order.id, f"not closed: {fields.get('status')} {fields.get('error')}")
            order.report("not_closed")
        return


# --------------------------------------------------------------------------------------
# HyPe Initiator.
# --------------------------------------------------------------------------------------


class Initiator:
    """Runs `aelucrative-hype-initiator` one request at a time, so that once the service
    says `user_disabled` no further request can start (not even one from another order)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.disabled = threading.Event()
        self.spares: dict[str, list[subprocess.Popen]] = {}

    def program(self, command: str) -> subprocess.Popen:
        """The program for `command`, started now — or, under the early-start cheat, one of a few
        spares all started at the first call (each start is then older than the answer its
        request repeats)."""
        def start() -> subprocess.Popen:
            return subprocess.Popen([INITIATOR_PROGRAM, command],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if CHEAT != "early-start-retry-when-told-to-stop":
            return start()
        spares = self.spares.setdefault(command, [start() for _ in range(16)])
        return spares.pop() if spares else start()

    def run(self, order: Order, command: str, document: bytes):
        """Returns ("json", answer), ("nojson", why), ("refused", (kind, why)) or ("disabled", None)."""
        order.pacer.wait(wake=self.disabled)
        if self.disabled.is_set():
            return "disabled", None
        if not self.lock.acquire(timeout=max(0.0, order.remaining())):
            raise GiveUp()
        try:
            if self.disabled.is_set():
                return "disabled", None
            if now() >= order.give_up_at:
                raise GiveUp()
            log(order.id, f"{INITIATOR_PROGRAM} {command}")
            # The exchange begins with the program's start: the service sees its request at
            # some moment of the run, which the pacer's bound allows for.
            order.pacer.mark_start()
            try:
                proc = self.program(command)
            except OSError as e:
                return "nojson", f"cannot run {INITIATOR_PROGRAM}: {e}"
            try:
                out, err = proc.communicate(document, timeout=min(INITIATOR_TIMEOUT, max(0.01, order.remaining())))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                return "nojson", "no answer in time (killed)"
            text = out.decode("utf-8", "replace").strip()
            try:
                answer = json.loads(text) if text else None
            except ValueError:
                answer = None
            if not isinstance(answer, dict):
                why = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
                if proc.returncode in INITIATOR_REFUSED:
                    return "refused", (INITIATOR_REFUSED[proc.returncode], f"exit {proc.returncode}: {why[0][:200]}")
                if MISTAKE == "crash-on-unreadable-answer":
                    log(order.id, f"{INITIATOR_PROGRAM} printed no JSON: crashing")
                    os._exit(70)
                return "nojson", f"exit {proc.returncode}, no JSON ({why[0][:200]})"
            log(order.id, f"-> {json.dumps(answer)[:300]}")
            disabled_stops_all = MISTAKE not in ("disabled-store-only-stops-its-order", "retry-when-told-to-stop")
            if answer.get("fault") == "user_disabled" and disabled_stops_all:
                self.disabled.set()
            return "json", answer
        finally:
            self.lock.release()


INITIATOR = Initiator()

def stop_on_fault(order: Order, fault: str, detail, what: str) -> bool:
    """Flags a fault the spec says to stop on and returns True; False for 'try again later'."""
    if MISTAKE == "retry-when-told-to-stop" and fault in ("bad_signature", "user_disabled", "resource_not_found"):
        order.stop_retries = getattr(order, "stop_retries", 0) + 1
        if order.stop_retries <= 2:
            return False
    if fault == "bad_signature":
        # Engineering AND administrative; the request is never sent again.
        order.flag("engineering", f"{what}: bad_signature ({detail or 'the signature was refused'})")
        order.flag("administrative", f"{what}: bad_signature: check the key enrollment of the store")
        return True
    if fault == "user_disabled":
        order.flag("administrative", f"{what}: user_disabled: the store's endpoint is disabled; "
                                     "no further requests to the service")
        return True
    if fault == "resource_not_found":
        order.flag("engineering", f"{what}: resource_not_found ({detail or 'the transaction is gone'})")
        return True
    return False


def invoice_document(order: Order) -> dict:
    raw = order.raw
    store = str((CREDS.get("initiator") or {}).get("store") or "")
    fiscals = raw.get("fiscals")
    amount = int(raw.get("amount") or 0)
    if isinstance(fiscals, list) and fiscals:
        total = sum(int(f.get("price_total") or 0) for f in fiscals if isinstance(f, dict))
    else:
        total = amount
        fiscals = [{
            "name": f"Order {order.reference}",
            "amount": 1,
            "code_mxik": "10305008004000000",
            "vat": 0,
            "vat_price": 0,
            "price_total": amount,
            "price_per_unit": amount,
            "code_mxik_package": "1546606",
        }]
    return {
        "version": 1,
        "document": "aehype_invoice",
        "payload": {"invoice": order.reference, "store": store, "total": total, "fiscals": fiscals},
    }


def stopped_by_disabled(order: Order) -> None:
    order.flag("administrative", "the initiator endpoint is disabled (user_disabled): not using it")
    order.report("unknown")


def initiator_invoice(order: Order) -> None:
    document = json.dumps(invoice_document(order), separators=(",", ":")).encode()
    while True:
        kind, answer = INITIATOR.run(order, "invoice", document)
        if kind == "disabled":
            stopped_by_disabled(order)
            return
        if kind == "refused":
            # No retry fixes it: flag it for a person and stop.
            order.flag(answer[0], f"invoice {order.reference} refused: {answer[1]}")
            order.report("unknown")
            return
        if kind == "nojson":
            # A fundamental failure: the invoice may or may not exist. The same document
            # (same invoice id and content) is idempotent, so it is sent again later.
            log(order.id, f"invoice: {answer}; trying the same invoice again later")
            order.pacer.fault()
            if MISTAKE == "new-invoice-id-after-no-json" and not order.reference.endswith("-2"):
                order.reference += "-2"
                document = json.dumps(invoice_document(order), separators=(",", ":")).encode()
            continue
        fault = answer.get("fault")
        if fault:
            if stop_on_fault(order, str(fault), answer.get("detail"), f"invoice {order.reference}"):
                order.report("not_paid" if MISTAKE == "not-paid-when-told-to-stop" else "unknown")
                return
            log(order.id, f"invoice: fault {fault} ({answer.get('detail')}); trying again later")
            order.pacer.fault()
            continue
        if answer.get("identifier") and answer.get("gateway_uri") and isinstance(answer.get("autofeed"), dict):
            break
        log(order.id, "invoice: an answer without identifier/gateway_uri/autofeed; trying again later")
        order.pacer.fault()
    order.pacer.ok()
    order.ids["identifier"] = str(answer["identifier"])
    # Present the gateway URI once. It is never presented again (certainly not in process).
    emit({"order": order.id, "event": "present_uri", "uri": answer["gateway_uri"]})
    order.uri = answer["gateway_uri"]
    if MISTAKE == "not-paid-at-once":
        order.report("not_paid")
        return
    follow_status(order, answer["autofeed"])


def follow_status(order: Order, autofeed: dict) -> None:
    feed = json.dumps(autofeed, separators=(",", ":")).encode()
    paid = False
    last = None
    in_process = 0  # payment_in_process answers seen (for second-invoice-while-in-process)
    after_final = 0  # status requests after a final status (for status-after-final)
    while True:
        try:
            kind, answer = INITIATOR.run(order, "status", feed)
        except GiveUp:
            if paid:
                log(order.id, "deadline: the paid invoice was not refunded while we watched")
                return
            raise
        if kind == "disabled":
            if paid:
                log(order.id, "the endpoint is disabled; the invoice stays paid as reported")
                order.flag("administrative", "the initiator endpoint is disabled (user_disabled): not using it")
                return
            stopped_by_disabled(order)
            return
        if kind == "refused":
            order.flag(answer[0], f"status of {order.ids.get('identifier')} refused: {answer[1]}")
            if not paid:
                order.report("unknown")
            return
        if kind == "nojson":
            log(order.id, f"status: {answer}; asking again later")
            order.pacer.fault()
            if MISTAKE == "not-paid-on-try-again-later" and not paid:
                order.report("not_paid")
                return
            continue
        fault = answer.get("fault")
        if fault:
            if fault == "resource_not_found" and MISTAKE == "new-invoice-after-not-found" and not paid:
                order.reference += "-2"
                return initiator_invoice(order)
            if stop_on_fault(order, str(fault), answer.get("detail"), f"status of {order.ids.get('identifier')}"):
                if not paid:
                    order.report("not_paid" if MISTAKE == "not-paid-when-told-to-stop" else "unknown")
                return
            log(order.id, f"status: fault {fault}; asking again later")
            order.pacer.fault()
            if MISTAKE == "not-paid-on-try-again-later" and not paid:
                order.report("not_paid")
                return
            continue
        status = answer.get("status")
        if status != last:
            log(order.id, f"invoice is {status}")
            last = status
        if status == "payment_in_process" and MISTAKE == "re-present-uri-in-process":
            emit({"order": order.id, "event": "present_uri", "uri": order.uri})
        if status == "payment_in_process" and MISTAKE == "not-paid-while-in-process":
            order.report("not_paid")
            return
        if status == "payment_in_process" and MISTAKE == "second-invoice-while-in-process":
            in_process += 1
            if in_process == 3 and not order.reference.endswith("-2"):
                log(order.id, "in process for long: issuing a new invoice")
                order.reference += "-2"
                return initiator_invoice(order)
        if status == "reached" and MISTAKE == "reached-is-not-paid":
            order.report("not_paid")
            return
        if status == "undeterminable" and MISTAKE == "undeterminable-is-not-paid":
            order.report("not_paid")
            return
        if status in ("created", "reached") and MISTAKE == "stops-asking-after-two-minutes":
            if now() - order.received > v2r(120):
                order.report("unknown")
                return
        if status in ("undeterminable", "created", "reached", "payment_in_process") and not (
            status == "undeterminable" and MISTAKE == "undeterminable-ends-the-polling"
        ):
            order.pacer.ok()
            continue
        if status == "completed_success":
            if MISTAKE == "success-not-reported":
                order.pacer.ok()
                continue
            if not paid:
                paid = True
                order.report("paid")
            if MISTAKE == "success-taken-as-final":
                time.sleep(max(0.0, order.remaining()))
                return
            # Not final: a refund can still come; keep watching until the deadline.
            order.pacer.ok()
            continue
        if status == "completed_refunded":
            if MISTAKE == "refund-ignored":
                order.pacer.ok()
                continue
            if MISTAKE == "refund-on-another-order":
                others = [o for o in ORDERS.values() if o is not order and o.operation == "invoice"]
                (others[0] if others else order).report("refunded")
                return
            if order.outcome != "refunded":
                order.report("refunded")
            if MISTAKE == "status-after-final" and after_final < 3:
                after_final += 1
                order.pacer.ok()
                continue
            return
        if status == "completed_rejected":
            if MISTAKE == "rejected-is-paid":
                order.report("paid")
                return
            if MISTAKE == "reissue-same-invoice-id" and not getattr(order, "reissued", False):
                order.reissued = True
                return initiator_invoice(order)
            if order.outcome != "not_paid":
                order.report("not_paid")
            if MISTAKE == "status-after-final" and after_final < 3:
                after_final += 1
                order.pacer.ok()
                continue
            return
        if status == "unexpected" and MISTAKE == "unexpected-is-paid":
            order.report("paid")
            return
        # `unexpected` (or a status the spec does not know): an engineering problem; no
        # verdict is drawn from it and the integration stops asking.
        order.flag("engineering", f"status {status!r} for {order.ids.get('identifier')}: "
                                  "protocol inconsistency; update the SDK and report it to the provider")
        if not paid:
            order.report("not_paid" if MISTAKE == "not-paid-when-told-to-stop" else "unknown")
        return


# --------------------------------------------------------------------------------------
# Orders.
# --------------------------------------------------------------------------------------


def dispatch(order: Order) -> None:
    op, surface = order.operation, order.surface
    if MISTAKE == "paid-without-asking" and op in ("sale", "invoice"):
        order.report("paid")
        return
    if op == "invoice" or surface == "initiator":
        if op in ("invoice", "sale"):
            return initiator_invoice(order)
    elif surface == "app2app":
        handler = {"sale": app2app_sale, "void": app2app_void, "close_batch": app2app_close_batch}.get(op)
        if handler:
            return handler(order)
    elif surface in ("cloud", None, ""):
        handler = {"sale": cloud_sale, "void": cloud_void, "close_batch": cloud_close_batch}.get(op)
        if handler:
            return handler(order)
    order.flag("engineering", f"operation {op!r} on surface {surface!r} is not supported")
    order.report("unknown")


def run_order(order: Order) -> None:
    log(order.id, f"order {json.dumps(order.raw, ensure_ascii=False)}, "
                  f"given {(now() - order.received) / SCALE:.2f}v ago at the earliest")
    flood_once()
    try:
        try:
            dispatch(order)
        except Again:
            dispatch(order)
    except Done:
        pass
    except GiveUp:
        if order.outcome is None:
            log(order.id, "deadline: nothing final is known")
            order.report("unknown")
    except Exception:  # a bug here must not take the other orders down, nor guess a verdict
        log(order.id, "internal error:\n" + traceback.format_exc())
        if order.outcome is None:
            order.flag("engineering", "internal error in the integration")
            order.report("unknown")
    finally:
        order.final.set()
        order.done.set()


def stdin_lines(up: float):
    """Yields (line, when it was given at the earliest). A chunk that was already waiting
    when we looked counts from the last moment the pipe was seen empty (at first: `up`, when
    we announced ourselves); a chunk we waited for counts from its arrival."""
    import select

    fd = sys.stdin.fileno()
    last_empty = up
    buffer, line_since = b"", None
    while True:
        try:
            ready = select.select([fd], [], [], 0)[0]
        except (OSError, ValueError):
            ready = [fd]
        if ready:
            arrived = last_empty
        else:
            last_empty = now()
            select.select([fd], [], [])
            arrived = now()
        chunk = os.read(fd, 65536)
        if not chunk:
            if buffer.strip():
                yield buffer.decode("utf-8", "replace"), line_since or arrived
            return
        if line_since is None:
            line_since = arrived
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode("utf-8", "replace"), line_since
            line_since = arrived if buffer else None


def main() -> int:
    # payterm starts a scenario's clock when we say we are ready, so no order can have been
    # given before this moment: orders already waiting count from here, not from the start.
    up = now()
    # Up: the scenario's clock starts now (driver.md), not at our first request.
    emit({"event": "ready"})
    log("pos", f"time scale {SCALE}, poll {POLL_V}v, backoff {BACKOFF_FIRST_V}v..{BACKOFF_CAP_V}v")
    for line, received in stdin_lines(up):
        line = line.strip()
        if not line:
            continue
        try:
            raw = json.loads(line)
        except ValueError:
            log("pos", f"not an order (not JSON): {line[:200]}")
            continue
        if not isinstance(raw, dict) or raw.get("id") is None:
            log("pos", f"not an order: {line[:200]}")
            continue
        order = Order(raw, received)
        if order.id in ORDERS:
            log("pos", f"order {order.id} given twice; ignoring the second")
            continue
        ORDERS[order.id] = order
        # Reading stdin comes first: no I/O here per order (the order's thread logs it), and
        # a thread started without waiting for it to run (threading.Thread.start waits, and
        # with a thousand orders at work that wait is the interpreter's turn-taking, which
        # left the last orders unread until their deadline).
        _thread.start_new_thread(run_order, (order,))
    log("pos", "stdin closed; waiting for every order's outcome")
    for order in list(ORDERS.values()):
        order.done.wait()
    FLOOD_DONE.wait(60)
    log("pos", "done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
