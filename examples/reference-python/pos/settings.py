"""Settings and time. Every duration named *_V is in virtual seconds; `v2r()` turns it into
real ones (PAYTERM_TIME_SCALE), and `now()` is the clock every wait is measured on. Also the
constants of the three surfaces: task states, deep-link methods, the initiator program.
"""

from __future__ import annotations

import os
import time


def _env_float(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


# Real seconds per virtual second (driver.md: e.g. 0.01 makes a virtual second last 10 ms).
SCALE = _env_float("PAYTERM_TIME_SCALE", 1.0)

# The fastest polling a scenario allows. the rules' default is 0.5 s, but a scenario may
# raise it (e.g. `min_poll_interval = "1s"`) without telling the integration, so we assume
# 1 s unless the runner says otherwise. Polls are spaced 1.25× that, fault retries start at
# 2.5× and double (never shrinking) up to a cap well inside the 5-minute patience window.
MIN_POLL_V = _env_float("PAYTERM_MIN_POLL_INTERVAL", 1.0)
POLL_V = 1.25 * MIN_POLL_V
BACKOFF_FIRST_V = 2.5 * MIN_POLL_V
BACKOFF_CAP_V = max(30.0, BACKOFF_FIRST_V)
PATIENCE_V = _env_float("PAYTERM_PATIENCE", 300.0)
BACKOFF_MAX_V = max(BACKOFF_CAP_V, min(120.0, 0.8 * PATIENCE_V))

# How long one HTTP exchange may take before it counts as lost: about 20 virtual seconds,
# but never under 0.25 real seconds (a loaded machine) nor over 30 real seconds.
HTTP_TIMEOUT = min(30.0, max(0.25, 20.0 * SCALE))
# The initiator program starts a process and makes one signed request (its own limit is 30
# real seconds); we stop waiting for it after about 25 virtual seconds, at least 1 real second.
INITIATOR_TIMEOUT = min(35.0, max(1.0, 25.0 * SCALE))
# The outcome must be out by the deadline: give up a little before it.
GIVE_UP_MARGIN = max(0.3, 2.0 * SCALE)

REDIRECT_URL = "pos://done"
INITIATOR_PROGRAM = "aelucrative-hype-initiator"
# Fundamental failures that no retry fixes (the program's documented exit codes): the
# service refused the document whatever the moment (7), or we are not in the operator group (8).
INITIATOR_REFUSED = {7: "engineering", 8: "administrative"}

FINAL_TASK_STATES = ("COMPLETED", "FAILED", "CANCELLED")
TASK_STATES = ("QUEUED", "IN_PROGRESS") + FINAL_TASK_STATES
LINK_METHODS = ("CARD", "CASH", "ACCOUNT_PAYMENT", "BLIK_PAYMENT", "PAYMENT_GATEWAY")


def v2r(virtual_seconds: float) -> float:
    return virtual_seconds * SCALE


def now() -> float:
    return time.monotonic()
