# The reference integration (the package examples/reference-python/pos/, loaded unchanged) with one
# planted bug that `payterm explore` must find. BUG picks it:
#   none    the reference as it is;
#   nudge   after a "try again later" fault (`unspecified`, `server_error`) answered to one
#           invoice's `status`, it re-presents the gateway URI of every other invoice still
#           without an outcome, "in case the hiccup broke the customer's payment page". Safe
#           while those are `created` or `reached`; wrong while one is `payment_in_process`
#           (HYPE-IN-PROCESS).
# No built-in scenario has a transient fault on one invoice while another is in process, so
# this integration passes the whole built-in suite.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "reference-python"))

from pos import initiator, main, orders, output  # noqa: E402

BUG = os.environ.get("BUG", "nudge")
URIS = {}  # order id -> the gateway URI it presented
_emit = output.emit


def emit(event):
    if event.get("event") == "present_uri":
        URIS[event.get("order")] = event.get("uri")
    _emit(event)


def nudge_others(order):
    for other_id, uri in list(URIS.items()):
        other = orders.ORDERS.get(other_id)
        if other_id != order.id and other is not None and other.outcome is None:
            output.log(order.id, f"service hiccup: reminding the customer of {other_id}")
            _emit({"order": other_id, "event": "present_uri", "uri": uri})


_run = initiator.Initiator.run


def run(self, order, command, document):
    kind, answer = _run(self, order, command, document)
    transient = kind == "json" and answer.get("fault") in ("unspecified", "server_error")
    if BUG == "nudge" and command == "status" and transient:
        nudge_others(order)
    return kind, answer


# The gateway URIs are presented by the initiator module (emit as it names it there).
initiator.emit = emit
initiator.Initiator.run = run

if __name__ == "__main__":
    sys.exit(main.main())
