# A small Cloud API integration for the judge's tests. BUG picks one deliberate bug:
#   none             follows the rules;
#   no_fetch         reports the task's state as the payment (CLOUD-TASK-NOT-PAYMENT);
#   login_each_call  logs in again for every call (CLOUD-TOKEN-REUSE);
#   poll_after_final keeps polling a finished task (CLOUD-POLL-UNTIL-FINAL);
#   storm            polls as fast as it can (RATE-NO-STORM);
#   duplicate        creates a second sale while the first runs (CLOUD-NO-DUPLICATE-SALE).
import json, os, sys, time, urllib.request

bug = os.environ.get("BUG", "none")
base = os.environ["PAYTERM_URL"]
creds = json.loads(os.environ["PAYTERM_CREDENTIALS"])["cloud"]
scale = float(os.environ["PAYTERM_TIME_SCALE"])
token = None

def login():
    form = "grant_type=password&username=%s&password=%s&tid=%s" % (creds["username"], creds["password"], creds["tid"])
    req = urllib.request.Request(base + "/cloud/oauth/token", data=form.encode(), method="POST",
                                 headers={"Authorization": creds["basic"], "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())["access_token"]

def call(method, path, body=None):
    global token
    if token is None or bug == "login_each_call":
        token = login()
    headers = {"Authorization": "Bearer " + token}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())

def wait(virtual_seconds):
    time.sleep(virtual_seconds * scale)

for line in sys.stdin:
    order = json.loads(line)
    sale = {"transactionType": "SALE", "amount": order["amount"], "currencyCode": order["currency"],
            "paymentMethod": "CARD", "originReferenceNum": order["reference"]}
    task = call("POST", "/v1/tasks/TRANSACTION", sale)
    if bug == "duplicate":
        call("POST", "/v1/tasks/TRANSACTION", sale)
    while task["state"] not in ("COMPLETED", "FAILED", "CANCELLED"):
        wait(0.0 if bug == "storm" else 1.0)
        task = call("GET", "/v1/tasks/" + task["taskId"])
    if bug == "poll_after_final":
        for _ in range(3):
            wait(1.0)
            call("GET", "/v1/tasks/" + task["taskId"])
    if bug == "no_fetch":
        result = "paid" if task["state"] == "COMPLETED" else "not_paid"
    else:
        tx = call("GET", "/v1/transactions/" + task["amsId"]) if task.get("amsId") else {"result": -1}
        result = "paid" if tx["result"] == 0 else "not_paid"
    print(json.dumps({"order": order["id"], "event": "outcome", "result": result, "taskId": task["taskId"]}), flush=True)
