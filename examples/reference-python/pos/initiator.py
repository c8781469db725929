"""The HyPe Initiator: the `aelucrative-hype-initiator` program run one request at a time
(`INITIATOR`), an invoice issued once and its status followed to a final answer (or the
order's deadline); the faults that say stop stop, for every order when the store is disabled."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

from .cheats import CHEAT
from .credentials import CREDS
from .mistakes import MISTAKE
from .orders import ORDERS, GiveUp, Order
from .output import emit, log
from .settings import INITIATOR_PROGRAM, INITIATOR_REFUSED, INITIATOR_TIMEOUT, now, v2r


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
