"""Output: events on stdout (one JSON line each, flushed), logs on stderr (each with the
virtual time since the start)."""

from __future__ import annotations

import json
import sys
import threading

from .settings import SCALE, now


_out_lock = threading.Lock()
_START = now()


def emit(event: dict) -> None:
    line = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
    with _out_lock:
        try:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        except (BrokenPipeError, ValueError):
            pass


def log(who: str, message: str) -> None:
    elapsed_v = (now() - _START) / SCALE
    with _out_lock:
        try:
            sys.stderr.write(f"[pos {elapsed_v:9.2f}v] {who}: {message}\n")
            sys.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass
