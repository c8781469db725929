# A small initiator integration for the judge's tests. BUG picks one deliberate bug:
#   none                 follows the rules;
#   re_present           hands the URI out again while the payment is in process (HYPE-IN-PROCESS);
#   retry_bad_signature  repeats the invoice after bad_signature (HYPE-F-BAD-SIGNATURE);
#   stop_undeterminable  gives up on undeterminable (HYPE-UNDETERMINABLE).
import json, os, subprocess, sys, time

bug = os.environ.get("BUG", "none")
scale = float(os.environ["PAYTERM_TIME_SCALE"])
store = json.loads(os.environ["PAYTERM_CREDENTIALS"])["initiator"]["store"]

def initiator(command, doc):
    out = subprocess.run(["aelucrative-hype-initiator", command], input=json.dumps(doc).encode(), capture_output=True)
    try:
        return json.loads(out.stdout)
    except ValueError:
        return None  # a fundamental failure: no JSON

def emit(**event):
    print(json.dumps(event), flush=True)

for line in sys.stdin:
    order = json.loads(line)
    oid = order["id"]
    doc = {"version": 1, "document": "aehype_invoice", "payload": {"invoice": order["reference"], "store": store,
           "total": order["amount"], "fiscals": [{"name": "x", "amount": 1, "code_mxik": "1", "vat": 0, "vat_price": 0,
           "price_total": order["amount"], "price_per_unit": order["amount"], "code_mxik_package": "1"}]}}
    answer = initiator("invoice", doc)
    if answer and answer.get("fault") == "bad_signature":
        if bug == "retry_bad_signature":
            for _ in range(2):
                time.sleep(1.0 * scale)
                initiator("invoice", doc)
        emit(order=oid, event="flag", kind="administrative", reason="bad_signature")
        emit(order=oid, event="outcome", result="unknown")
        continue
    emit(order=oid, event="present_uri", uri=answer["gateway_uri"])
    result = "unknown"
    for _ in range(200):
        time.sleep(1.0 * scale)
        status = (initiator("status", answer["autofeed"]) or {}).get("status")
        if status == "undeterminable" and bug == "stop_undeterminable":
            break
        if status == "payment_in_process" and bug == "re_present":
            emit(order=oid, event="present_uri", uri=answer["gateway_uri"])
        if status in ("completed_success", "completed_rejected", "completed_refunded"):
            result = {"completed_success": "paid", "completed_rejected": "not_paid", "completed_refunded": "refunded"}[status]
            break
    emit(order=oid, event="outcome", result=result, identifier=answer["identifier"])
