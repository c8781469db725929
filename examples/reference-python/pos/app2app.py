"""GP tom deep links (app2app): sale, void and close batch opened through
PAYTERM_APP2APP_URL; the redirect's query read by RFC 3986 rules; after a lost answer the
link is checked (transaction/detail, status) before it is opened again."""

from __future__ import annotations

import json
import os
import urllib.parse

from .cloud import own_books
from .cloud_client import CLOUD
from .credentials import CREDS
from .exchange import http_exchange, parse_json, retry_after_of
from .mistakes import MISTAKE
from .orders import KNOWN_SALES, Lost, Order, void_target
from .output import log
from .settings import LINK_METHODS, REDIRECT_URL


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
