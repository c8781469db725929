import json, os, sys, time, urllib.parse, urllib.request

URL = os.environ["PAYTERM_URL"]
CLOUD = json.loads(os.environ["PAYTERM_CREDENTIALS"])["cloud"]
SECOND = float(os.environ["PAYTERM_TIME_SCALE"])  # one virtual second, in real seconds

def call(method, path, body=None, auth=None, kind="application/json"):
    headers = {"Authorization": auth or "Bearer " + TOKEN, "Content-Type": kind}
    with urllib.request.urlopen(urllib.request.Request(URL + path, body, headers, method=method)) as answer:
        return json.load(answer)

login = {"grant_type": "password", "username": CLOUD["username"], "password": CLOUD["password"], "tid": CLOUD["tid"]}
TOKEN = call("POST", "/cloud/oauth/token", urllib.parse.urlencode(login).encode(), CLOUD["basic"],
             "application/x-www-form-urlencoded")["access_token"]

for line in sys.stdin:  # one order per line
    order = json.loads(line)
    sale = {"transactionType": "SALE", "amount": order["amount"], "currencyCode": order["currency"],
            "paymentMethod": "CARD", "originReferenceNum": order["reference"]}
    task = call("POST", "/v1/tasks/TRANSACTION", json.dumps(sale).encode())
    while task["state"] not in ("COMPLETED", "FAILED", "CANCELLED"):  # poll until final
        time.sleep(SECOND)
        task = call("GET", "/v1/tasks/" + task["taskId"])
    # A COMPLETED task is not a paid sale: the transaction's result says (0 is approved).
    paid = "amsId" in task and call("GET", "/v1/transactions/" + task["amsId"])["result"] == 0
    print(json.dumps({"order": order["id"], "event": "outcome", "result": "paid" if paid else "not_paid"}), flush=True)
