# A tiny initiator integration for the runner's tests: issue the invoice through the
# aelucrative-hype-initiator program, present the URI, poll until final, report.
import json, os, subprocess, sys, time

scale = float(os.environ["PAYTERM_TIME_SCALE"])
store = json.loads(os.environ["PAYTERM_CREDENTIALS"])["initiator"]["store"]
for line in sys.stdin:
    order = json.loads(line)
    doc = {"version": 1, "document": "aehype_invoice", "payload": {"invoice": order["reference"], "store": store,
           "total": order["amount"], "fiscals": [{"name": "x", "amount": 1, "code_mxik": "1", "vat": 0, "vat_price": 0,
           "price_total": order["amount"], "price_per_unit": order["amount"], "code_mxik_package": "1"}]}}
    out = subprocess.run(["aelucrative-hype-initiator", "invoice"], input=json.dumps(doc).encode(), capture_output=True)
    answer = json.loads(out.stdout)
    print(json.dumps({"order": order["id"], "event": "present_uri", "uri": answer["gateway_uri"]}), flush=True)
    while True:
        time.sleep(1.0 * scale)
        st = subprocess.run(["aelucrative-hype-initiator", "status"], input=json.dumps(answer["autofeed"]).encode(), capture_output=True)
        status = json.loads(st.stdout).get("status")
        if status == "completed_success":
            print(json.dumps({"order": order["id"], "event": "outcome", "result": "paid", "identifier": answer["identifier"]}), flush=True)
            break
