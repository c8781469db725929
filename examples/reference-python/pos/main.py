"""The main loop: orders read from stdin (each with when it was given at the earliest), one
thread per order, dispatched to its surface; it exits when stdin is closed and every order
has its outcome."""

from __future__ import annotations

import _thread
import json
import os
import sys
import traceback

from .app2app import app2app_close_batch, app2app_sale, app2app_void
from .cheats import FLOOD_DONE, flood_once
from .cloud import cloud_close_batch, cloud_sale, cloud_void
from .initiator import initiator_invoice
from .mistakes import MISTAKE
from .orders import ORDERS, Again, Done, GiveUp, Order
from .output import emit, log
from .settings import BACKOFF_CAP_V, BACKOFF_FIRST_V, POLL_V, SCALE, now


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
