# Broken on purpose (target: MONEY-TRUTHFUL-OUTCOME): reports every sale paid without
# asking the terminal for anything.
import json, sys

for line in sys.stdin:
    order = json.loads(line)
    print(json.dumps({"order": order["id"], "event": "outcome", "result": "paid"}), flush=True)
