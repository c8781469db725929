"""Orders, deadlines and pacing: an `Order` (its deadline, flags and outcome), the `Pacer`
that spaces its requests (polling, backoff, Retry-After), the exceptions that end or redo an
order's flow, and this run's orders (`ORDERS`) and sales, of which `void_target` finds the
one a void names."""

from __future__ import annotations

import json
import os
import threading
import time

from .cheats import CHEAT, drive_control
from .mistakes import MISTAKE
from .output import emit, log
from .settings import BACKOFF_CAP_V, BACKOFF_FIRST_V, BACKOFF_MAX_V, GIVE_UP_MARGIN, POLL_V, SCALE, now, v2r


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
