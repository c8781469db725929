"""The Cloud API client (`CLOUD`): one token per terminal, shared by every order, refreshed
before it runs out and on TOKEN_EXPIRED (a login only if the refresh is refused), and the
paced call every Cloud request of an order goes through."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.parse

from .cheats import forging
from .credentials import CREDS, DEFAULT_CREDENTIALS
from .exchange import error_code, http_exchange, parse_json, retry_after_of
from .mistakes import MISTAKE
from .orders import GiveUp, Lost, NotSent, Order
from .output import log
from .settings import BACKOFF_CAP_V, BACKOFF_FIRST_V, POLL_V, now, v2r


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
