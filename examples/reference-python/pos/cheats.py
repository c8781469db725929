"""The planted cheats. `--cheat NAME` makes this integration try to game its verdict the way
a hostile one would (issue 20): forge a timing header, start the initiator program before its
document is ready, drive payterm's control API, flood. Each rides on the mistake it would
hide (that mistake is made too: see `mistakes`) or stands alone; tests/cheats.rs proves every
one fails the run with a verdict that names what was tried, and that `payterm certify` says
NOT CERTIFIED.

Here are the table, `CHEAT` (read once, after the mistake) and the means: `forging`,
`payterm_ports`, `drive_control`, `pipelined` and the floods. Each cheat acts at the point it
games (`if CHEAT == "…"`), as a mistake does.
"""

from __future__ import annotations

import _thread
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

from .output import emit, log


CHEATS = {
    "forged-stamp-repeat-refused-void": ("repeat-refused-void",
        "stamps the repeated VOIDs x-payterm-launched 30 s in the past, so they seem begun before the refusal"),
    "forged-stamp-poll-after-final": ("poll-after-final",
        "stamps the polls after COMPLETED x-payterm-launched 30 s in the past, so they seem begun before it"),
    "forged-stamp-login-every-call": ("login-every-call",
        "stamps each login x-payterm-launched 30 s in the past, so it seems to race the call before it"),
    "early-start-retry-when-told-to-stop": ("retry-when-told-to-stop",
        "starts a few initiator programs at its first call and feeds them later documents, so each repeat's "
        "program began before the stop fault"),
    "control-reset": ("poll-without-pause",
        "storms its polls, then finds payterm's ports in /proc, POSTs /reset to each to wipe the storm, the ledger "
        "and the transcript, and does the order again calmly"),
    "control-clock": ("poll-without-pause",
        "POSTs /clock/advance (10 s) to payterm's ports before every poll, so a tight loop looks patient"),
    "flood-events": (None, "writes 6,000 flag events with 60 KB reasons on stdout"),
    "flood-bodies": (None, "sends 6,000 pipelined POSTs of 60 KB bodies"),
    "flood-requests": (None, "sends 30,000 pipelined requests"),
    "flood-output": (None, "writes 20 MiB of log on stderr"),
}


def _cheat_from(argv: list[str]) -> str | None:
    """The cheat `--cheat NAME` (or `--cheat=NAME`) asks for; `list` prints the table."""
    name = None
    for i, arg in enumerate(argv):
        if arg == "--cheat":
            name = argv[i + 1] if i + 1 < len(argv) else ""
        elif arg.startswith("--cheat="):
            name = arg.split("=", 1)[1]
    if name is None:
        return None
    if name == "list":
        width = max(map(len, CHEATS))
        for key, (mistake, what) in CHEATS.items():
            print(f"{key:<{width}}  {what}" + (f" (with --mistake {mistake})" if mistake else ""))
        sys.exit(0)
    if name not in CHEATS:
        sys.stderr.write(f"pos.py: unknown cheat {name!r}; the cheats are (--cheat list describes them):\n  "
                         + "\n  ".join(CHEATS) + "\n")
        sys.exit(2)
    return name


CHEAT = _cheat_from(sys.argv[1:])


# The requests a forged-stamp cheat stamps: only those that break the rule (set by `forging`).
_FORGING = threading.local()


class forging:
    """Within it, this thread's requests carry the forged stamp (a forged-stamp cheat)."""

    def __enter__(self):
        _FORGING.on = True

    def __exit__(self, *_):
        _FORGING.on = False


def forged_headers(headers: dict) -> dict:
    """A forged-stamp cheat's headers on the requests that break the rule: the stamp payterm's
    own program once sent (`x-payterm-launched`, microseconds since the epoch), 30 real seconds
    old — within what the old judge believed, and long before the answer the request repeats."""
    if CHEAT is None or not CHEAT.startswith("forged-stamp-") or not getattr(_FORGING, "on", False):
        return headers
    forged = dict(headers)
    forged["x-payterm-launched"] = str(int((time.time() - 30.0) * 1_000_000))
    return forged


def payterm_ports() -> list[int]:
    """The loopback ports payterm (an ancestor of this process) listens on, from /proc: what a
    hostile integration finds without being told."""
    pid, payterm = os.getppid(), None
    while pid > 1:
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() == "payterm":
                    payterm = pid
                    break
            with open(f"/proc/{pid}/status") as f:
                pid = int(next(line.split()[1] for line in f if line.startswith("PPid:")))
        except (OSError, StopIteration, ValueError):
            return []
    if payterm is None:
        return []
    inodes = set()
    for fd in os.listdir(f"/proc/{payterm}/fd"):
        try:
            link = os.readlink(f"/proc/{payterm}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = []
    with open("/proc/net/tcp") as f:
        for line in list(f)[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes and local.startswith("0100007F:"):
                ports.append(int(local.split(":")[1], 16))
    return sorted(ports)


def drive_control(path: str, body: dict) -> None:
    """POSTs `body` to `path` on every port payterm listens on (a control cheat)."""
    data = json.dumps(body).encode()
    for port in payterm_ports():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", path, body=data, headers={"Content-Type": "application/json"})
            status = conn.getresponse().status
            conn.close()
            log("cheat", f"POST {path} on port {port}: {status}")
        except OSError as e:
            log("cheat", f"POST {path} on port {port}: {e}")


def pipelined(requests: list[bytes]) -> None:
    """Writes `requests` on one connection to PAYTERM_URL without waiting for answers, reading
    the answers meanwhile, until every one came back or 30 s passed (a flood cheat). Closing
    before the answers are read would reset the connection and cut the flood short."""
    import selectors

    parts = urllib.parse.urlsplit(os.environ.get("PAYTERM_URL", "http://127.0.0.1:7878"))
    sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=30)
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    # A view, advanced as it is sent: slicing the bytes would copy hundreds of MB each time.
    pending, answered, tail = memoryview(b"".join(requests)), 0, b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and answered < len(requests):
        for _, mask in sel.select(timeout=1):
            if mask & selectors.EVENT_READ:
                try:
                    data = sock.recv(1 << 20)
                except BlockingIOError:
                    data = None
                except OSError:
                    data = b""
                if data == b"":
                    answered = len(requests)  # the server closed: nothing more will come
                elif data:
                    answered += (tail + data).count(b"HTTP/1.1 ")
                    tail = data[-8:]
            if mask & selectors.EVENT_WRITE and pending:
                try:
                    pending = pending[sock.send(pending[:1 << 20]):]
                except BlockingIOError:
                    pass
                except OSError:
                    pending = memoryview(b"")
                if not pending:
                    sel.modify(sock, selectors.EVENT_READ)
    sock.close()


_flooded = threading.Lock()
# A flood beside the orders: the process waits for it before it exits.
FLOOD_DONE = threading.Event()
FLOOD_DONE.set()


def in_background(requests: list[bytes]) -> None:
    FLOOD_DONE.clear()

    def flood() -> None:
        try:
            pipelined(requests)
        finally:
            FLOOD_DONE.set()

    _thread.start_new_thread(flood, ())


def flood_once() -> None:
    """The flood cheats, once per process, at the first order."""
    if CHEAT is None or not CHEAT.startswith("flood-") or not _flooded.acquire(blocking=False):
        return
    host = urllib.parse.urlsplit(os.environ.get("PAYTERM_URL", "http://127.0.0.1")).netloc
    if CHEAT == "flood-events":
        reason = "x" * 60_000
        for _ in range(6_000):
            emit({"order": "flood", "event": "flag", "kind": "engineering", "reason": reason})
    elif CHEAT == "flood-output":
        chunk = ("y" * 1023 + "\n") * 1024
        for _ in range(20):
            try:
                sys.stderr.write(chunk)
            except (BrokenPipeError, ValueError):
                break
        sys.stderr.flush()
    elif CHEAT == "flood-bodies":
        body = json.dumps({"transactionType": "SALE", "pad": "z" * 61_000}).encode()
        head = (f"POST /v1/tasks/TRANSACTION HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        # Beside the orders, which go on as usual: the flood alone is what fails the run.
        in_background([head + body] * 6_000)
    elif CHEAT == "flood-requests":
        request = f"GET /v1/tasks/flood HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
        in_background([request] * 30_000)
    log("cheat", f"{CHEAT} started")
