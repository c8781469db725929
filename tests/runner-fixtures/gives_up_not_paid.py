# Broken on purpose (target: MONEY-NO-LOST-PAYMENT): issues the invoice, presents the URI,
# and reports not_paid at once instead of following the payment to its end.
import json, os, subprocess, sys

store = json.loads(os.environ["PAYTERM_CREDENTIALS"])["initiator"]["store"]
for line in sys.stdin:
    order = json.loads(line)
    doc = {"version": 1, "document": "aehype_invoice", "payload": {"invoice": order["reference"], "store": store,
           "total": order["amount"], "fiscals": [{"name": "x", "amount": 1, "code_mxik": "1", "vat": 0, "vat_price": 0,
           "price_total": order["amount"], "price_per_unit": order["amount"], "code_mxik_package": "1"}]}}
    out = subprocess.run(["aelucrative-hype-initiator", "invoice"], input=json.dumps(doc).encode(), capture_output=True)
    answer = json.loads(out.stdout)
    print(json.dumps({"order": order["id"], "event": "present_uri", "uri": answer["gateway_uri"]}), flush=True)
    print(json.dumps({"order": order["id"], "event": "outcome", "result": "not_paid"}), flush=True)
