"""payterm reference integration: a point of sale that follows every conformance rule.

Python 3.11, standard library only. It reads orders (one JSON object per line) on stdin,
works each one in its own thread on the surface the order names (GP tom Cloud API, GP tom
deep links, HyPe Initiator), and writes events (one JSON object per line, flushed) on
stdout. Logs go to stderr. Run it with `python3 pos.py` (the launcher beside this folder);
README.md beside it says how each rule is followed.

The contract is the book's driver page (`payterm docs driver`); the rules are `payterm docs rules`.

Layout, in the order the modules build on each other:

- `settings`: time scale, pacing and timeouts (virtual seconds, `v2r`), the surfaces' constants
- `output`: events on stdout, logs on stderr
- `cheats`: the planted cheats (`--cheat NAME`): forged stamps, payterm's control API, floods
- `mistakes`: the planted mistakes (`--mistake NAME`) and the one this run makes
- `credentials`: PAYTERM_CREDENTIALS, else the vendor's example
- `orders`: an order, its deadline and pacing (`Pacer`); what a void targets
- `exchange`: one bounded HTTP exchange and the watchdog that cuts it; reading answers
- `cloud_client`: the Cloud API client: a token per terminal, the paced call
- `cloud_tasks`: a Cloud task's life: create (look up after a lost answer), poll, read the result
- `cloud`: the Cloud API's sale, void and close batch
- `app2app`: GP tom deep links: sale, void, close batch
- `initiator`: the HyPe Initiator program: invoice, status
- `main`: stdin, one thread per order, dispatch to its surface
"""

import importlib
import sys

# No __pycache__ beside the sources (pos.py says so before anything is imported; this covers
# `python3 -m pos` and the test fixtures that import the package).
sys.dont_write_bytecode = True

# The command line is read first, once: the mistake, then the cheat (`mistakes` reads it).
importlib.import_module(".mistakes", __name__)
