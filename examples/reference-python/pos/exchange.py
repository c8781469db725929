"""HTTP: one bounded exchange (`http_exchange`: at most 8 at once, each within its timeout as
a whole, cut by the one `Watchdog` thread), the wait an answer's Retry-After asks for, and
reading answers (`parse_json`, `error_code`)."""

from __future__ import annotations

import heapq
import http.client
import json
import os
import socket
import threading
import urllib.parse
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from .cheats import forged_headers
from .mistakes import MISTAKE
from .orders import GiveUp, Lost, Order
from .output import log
from .settings import HTTP_TIMEOUT, SCALE, now


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
