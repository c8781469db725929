# Broken on purpose (target: MONEY-NO-DOUBLE-CHARGE): creates the sale task twice for one
# order, then reports it paid once both are done.
import json, os, sys, time, urllib.request

base = os.environ["PAYTERM_URL"]
creds = json.loads(os.environ["PAYTERM_CREDENTIALS"])["cloud"]
scale = float(os.environ["PAYTERM_TIME_SCALE"])

def call(method, path, token=None, body=None, form=None):
    headers = {}
    data = None
    if form is not None:
        headers = {"Authorization": creds["basic"], "Content-Type": "application/x-www-form-urlencoded"}
        data = form.encode()
    elif body is not None:
        headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        data = json.dumps(body).encode()
    else:
        headers = {"Authorization": "Bearer " + token}
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())

token = call("POST", "/cloud/oauth/token", form="grant_type=password&username=%s&password=%s&tid=%s"
             % (creds["username"], creds["password"], creds["tid"]))["access_token"]
for line in sys.stdin:
    order = json.loads(line)
    sale = {"transactionType": "SALE", "amount": order["amount"], "currencyCode": order["currency"],
            "paymentMethod": "CARD", "originReferenceNum": order["reference"]}
    tasks = [call("POST", "/v1/tasks/TRANSACTION", token, sale)["taskId"] for _ in range(2)]
    for task in tasks:
        while call("GET", "/v1/tasks/" + task, token)["state"] not in ("COMPLETED", "FAILED", "CANCELLED"):
            time.sleep(1.0 * scale)
    print(json.dumps({"order": order["id"], "event": "outcome", "result": "paid"}), flush=True)
