#!/usr/bin/env python3
"""A long-running integration for payterm's service mode, built around a command-mode one.

`payterm run --service http://127.0.0.1:PORT/orders` POSTs each order here with the driver
contract beside it (`payterm`: the emulator's URLs, time scale, credentials and the initiator
program). For each scenario (one emulator URL) this service starts one worker process — by
default the Python reference integration — with that contract as its environment, writes the
scenario's orders to its stdin, and POSTs every event it prints to `payterm.events_url`.

A real web backend would do the work itself; this one shows the contract with the reference's
behaviour unchanged, so service mode is judged exactly like command mode. Standard library only.

    python3 adapter.py [--port 0] [--worker 'python3 ../reference-python/pos.py'] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_WORKER = "python3 " + shlex.quote(os.path.join(HERE, "..", "reference-python", "pos.py"))
# A worker with nothing to do for this long is stopped: its scenario is over.
IDLE_S = 120.0
MAX_BODY = 1 << 20


class Worker:
    """One scenario's worker process and the thread that forwards its events."""

    def __init__(self, command: str, contract: dict, verbose: bool):
        env = dict(os.environ)
        env.update({
            "PAYTERM_URL": contract["url"],
            "PAYTERM_APP2APP_URL": contract["app2app_url"],
            "PAYTERM_TIME_SCALE": str(contract["time_scale"]),
            "PAYTERM_MIN_POLL_INTERVAL": str(contract.get("min_poll_interval_s", 1.0)),
            "PAYTERM_PATIENCE": str(contract.get("patience_s", 300.0)),
            "PAYTERM_CREDENTIALS": json.dumps(contract["credentials"]),
            # The initiator program carries its own configuration; put its folder first.
            "PATH": os.path.dirname(contract["initiator"]) + os.pathsep + env.get("PATH", ""),
        })
        self.events_url = contract["events_url"]
        self.last_used = time.monotonic()
        self.process = subprocess.Popen(
            command, shell=True, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=None if verbose else subprocess.DEVNULL, text=True, bufsize=1, start_new_session=True)
        threading.Thread(target=self._forward, daemon=True).start()

    def give(self, order: dict) -> None:
        self.last_used = time.monotonic()
        # The worker starts after payterm gave the order, and its events reach payterm one
        # HTTP hop later: keep back part of the deadline for those hops.
        if isinstance(order.get("deadline_s"), (int, float)):
            order["deadline_s"] = max(1, order["deadline_s"] - max(10, order["deadline_s"] // 20))
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(order) + "\n")
        self.process.stdin.flush()

    def _forward(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.last_used = time.monotonic()
            try:
                event = json.loads(line)
            except ValueError:
                event = None
            if not isinstance(event, dict) or "event" not in event:
                sys.stderr.write("worker: " + line)
                continue
            self._post(event)

    def _post(self, event: dict) -> None:
        body = json.dumps(event).encode()
        req = urllib.request.Request(self.events_url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                resp.read()
        except Exception as e:  # the scenario may be over; the event is lost with it
            sys.stderr.write(f"adapter: failed to post an event to {self.events_url}: {e}\n")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, 9)
        except OSError:
            pass


class Adapter:
    def __init__(self, worker: str, verbose: bool):
        self.worker = worker
        self.verbose = verbose
        self.workers: dict[str, Worker] = {}
        self.lock = threading.Lock()

    def order(self, body: dict) -> None:
        contract = body.pop("payterm")
        with self.lock:
            self._reap()
            worker = self.workers.get(contract["url"])
            if worker is None:
                worker = Worker(self.worker, contract, self.verbose)
                self.workers[contract["url"]] = worker
        worker.give(body)

    def _reap(self) -> None:
        now = time.monotonic()
        for url, w in list(self.workers.items()):
            if now - w.last_used > IDLE_S or w.process.poll() is not None:
                w.stop()
                del self.workers[url]

    def stop_all(self) -> None:
        with self.lock:
            for w in self.workers.values():
                w.stop()


def handler_for(adapter: Adapter):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the standard library's name)
            length = int(self.headers.get("Content-Length") or 0)
            if self.path != "/orders" or length > MAX_BODY:
                return self._answer(404 if self.path != "/orders" else 413, {"error": "no such endpoint or too big"})
            try:
                body = json.loads(self.rfile.read(length))
                if not isinstance(body, dict) or not isinstance(body.get("payterm"), dict):
                    raise ValueError("an order object with `payterm` was expected")
                adapter.order(body)
            except (ValueError, KeyError) as e:
                return self._answer(400, {"error": str(e)})
            self._answer(202, {"accepted": body.get("id")})

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet: payterm keeps the transcript
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--worker", default=DEFAULT_WORKER)
    parser.add_argument("--verbose", action="store_true", help="pass the workers' stderr through")
    args = parser.parse_args()
    adapter = Adapter(args.worker, args.verbose)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(adapter))
    print(f"listening on http://127.0.0.1:{server.server_address[1]}/orders", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        adapter.stop_all()


if __name__ == "__main__":
    main()
