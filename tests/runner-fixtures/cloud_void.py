# A small Cloud API integration that voids sales, for the judge's tests. BUG picks one bug:
#   none       looks up the sale's terminal and voids there (CLOUD-VOID-SAME-TID holds);
#   other_tid  voids on the terminal the cashier stands at, not the sale's (CLOUD-VOID-SAME-TID),
#              and reports the refusal honestly as `not_voided`.
import json, os, sys, time, urllib.request, urllib.error

bug = os.environ.get("BUG", "none")
base = os.environ["PAYTERM_URL"]
creds = json.loads(os.environ["PAYTERM_CREDENTIALS"])["cloud"]
scale = float(os.environ["PAYTERM_TIME_SCALE"])
tokens = {}

def token(tid):
    if tid not in tokens:
        form = "grant_type=password&username=%s&password=%s&tid=%s" % (creds["username"], creds["password"], tid)
        req = urllib.request.Request(base + "/cloud/oauth/token", data=form.encode(), method="POST",
                                     headers={"Authorization": creds["basic"], "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req) as resp:
            tokens[tid] = json.loads(resp.read())["access_token"]
    return tokens[tid]

def call(tid, method, path, body=None):
    headers = {"Authorization": "Bearer " + token(tid)}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")

for line in sys.stdin:
    order = json.loads(line)
    ams = order["amsId"]
    if bug == "other_tid":
        tid = order["tid"]
    else:
        # The configured terminal's token sees its own sales: ask it where the sale was made.
        status, sale = call(creds["tid"], "GET", "/v1/transactions/" + ams)
        tid = sale["terminalID"] if status == 200 else order["tid"]
    void = {"transactionType": "VOID", "originTransactionID": ams, "currencyCode": order["currency"],
            "originReferenceNum": order["reference"]}
    status, task = call(tid, "POST", "/v1/tasks/TRANSACTION", void)
    if status != 201:
        result = "not_voided"
    else:
        while task["state"] not in ("COMPLETED", "FAILED", "CANCELLED"):
            time.sleep(1.0 * scale)
            status, task = call(tid, "GET", "/v1/tasks/" + task["taskId"])
        _, tx = call(tid, "GET", "/v1/transactions/" + ams)
        result = "voided" if task["state"] == "COMPLETED" and tx.get("voided") else "not_voided"
    print(json.dumps({"order": order["id"], "event": "outcome", "result": result}), flush=True)
