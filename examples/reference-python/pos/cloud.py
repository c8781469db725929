"""The Cloud API surface: sale, void (on the sale's own terminal) and close batch, each an
order's whole flow from the create to its outcome."""

from __future__ import annotations

import time
import urllib.parse
from datetime import datetime, timezone

from .cheats import forging
from .cloud_client import CLOUD, cloud_reference
from .cloud_tasks import PollFailed, Refusal, cloud_create, cloud_poll, cloud_read, money_verdict, read_transaction
from .exchange import retry_after_of
from .mistakes import MISTAKE
from .orders import KNOWN_SALES, ORDERS, GiveUp, Lost, Order, void_target
from .output import log


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
