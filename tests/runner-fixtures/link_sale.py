# A small deep-link integration for the judge's tests. BUG picks one deliberate bug:
#   none             reports what the redirect says;
#   ignore_status    reports paid whatever the redirect says (LINK-STATUS-HANDLED).
import json, os, sys, urllib.parse, urllib.request

bug = os.environ.get("BUG", "none")
prefix = os.environ["PAYTERM_APP2APP_URL"]
for line in sys.stdin:
    order = json.loads(line)
    link = "gptom://transaction/create?amount=%d&originReferenceNum=%s&redirectUrl=pos://done" % (
        order["amount"], urllib.parse.quote(order["reference"]))
    req = urllib.request.Request(prefix + urllib.parse.quote(link, safe=""), headers={"Accept": "application/json"})
    with urllib.request.urlopen(req) as resp:
        answer = json.loads(resp.read())
    paid = answer["status"] == "COMPLETED" or bug == "ignore_status"
    print(json.dumps({"order": order["id"], "event": "outcome", "result": "paid" if paid else "not_paid"}), flush=True)
