"""Credentials: PAYTERM_CREDENTIALS (one JSON object per surface), else the vendor's documented
example; read once (`CREDS`)."""

from __future__ import annotations

import json
import os

from .output import log


DEFAULT_CREDENTIALS = {
    # The vendor's documented example (payterm serve's defaults), for runs by hand.
    "cloud": {
        "basic": "Basic YXRvbTphc2hmdWY0ZTVmYQ==",
        "username": "jan.novak@example.com",
        "password": "ABCDEFGHIJKL",
        "tid": "999888",
    },
    "app2app": {"clientID": "223"},
    "initiator": {"store": "testingstore"},
}


def load_credentials() -> dict:
    text = os.environ.get("PAYTERM_CREDENTIALS")
    creds = json.loads(json.dumps(DEFAULT_CREDENTIALS))
    if text:
        try:
            given = json.loads(text)
            for key in ("cloud", "app2app", "initiator"):
                if isinstance(given.get(key), dict):
                    creds[key] = given[key]
        except (ValueError, AttributeError):
            log("pos", "PAYTERM_CREDENTIALS is not JSON; using the vendor's example")
    return creds


CREDS = load_credentials()
