#!/usr/bin/env python3
"""A starter integration for payterm: takes card sales through the GP tom Cloud API.

payterm starts this program once per scenario. Orders arrive on stdin, one JSON object per
line; for each, write one outcome on stdout as a JSON line. Standard library only.

    payterm run          # runs the scenarios in ./scenarios against this program

The first run FAILS on purpose: this starter reports a sale as paid as soon as the terminal's
task is COMPLETED. A completed task is not a paid sale — a declined card completes too.
Fix it where it says FIX ME, run `payterm run` again, and it passes.
"""

import json
import os
import sys
import time
import urllib.request

BASE = os.environ["PAYTERM_URL"]
CREDENTIALS = json.loads(os.environ["PAYTERM_CREDENTIALS"])["cloud"]
SCALE = float(os.environ.get("PAYTERM_TIME_SCALE", "1"))  # real seconds per virtual second
TOKEN = None


def login():
    """One token per terminal, reused until it expires (logging in per call breaks a rule)."""
    form = "grant_type=password&username=%s&password=%s&tid=%s" % (
        CREDENTIALS["username"], CREDENTIALS["password"], CREDENTIALS["tid"])
    req = urllib.request.Request(BASE + "/cloud/oauth/token", data=form.encode(), method="POST", headers={
        "Authorization": CREDENTIALS["basic"], "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())["access_token"]


def call(method, path, body=None):
    global TOKEN
    if TOKEN is None:
        TOKEN = login()
    headers = {"Authorization": "Bearer " + TOKEN}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def sale(order):
    task = call("POST", "/v1/tasks/TRANSACTION", {
        "transactionType": "SALE", "amount": order["amount"], "currencyCode": order["currency"],
        "paymentMethod": "CARD", "originReferenceNum": order["reference"]})
    # Poll the task until it is final, no faster than once a virtual second.
    while task["state"] not in ("COMPLETED", "FAILED", "CANCELLED"):
        time.sleep(1.0 * SCALE)
        task = call("GET", "/v1/tasks/" + task["taskId"])
    # FIX ME: the task's state says the terminal finished, not that the customer paid. A task
    # cancelled or failed before a card was read has no transaction (no amsId): nothing was
    # paid. Otherwise read the transaction and look at its result (0 is approved):
    #     if not task.get("amsId"):
    #         return "not_paid"
    #     tx = call("GET", "/v1/transactions/" + task["amsId"])
    #     return "paid" if tx["result"] == 0 else "not_paid"
    return "paid" if task["state"] == "COMPLETED" else "not_paid"


for line in sys.stdin:
    order = json.loads(line)
    result = sale(order) if order["operation"] == "sale" else "unknown"
    print(json.dumps({"order": order["id"], "event": "outcome", "result": result}), flush=True)
