"""Start payterm from Python: `start_serve` runs `payterm serve` on free ports and reads where it
listens from its banner; `run_scenarios` runs `payterm run`. The pytest plugin builds on them."""

import json
import os
import shutil
import signal
import subprocess
import sysconfig
import tempfile
from dataclasses import dataclass, field
from typing import List, Optional

__all__ = ["binary", "start_serve", "run_scenarios", "Serve", "Run"]


def binary() -> str:
    """The payterm binary: $PAYTERM_BIN, else the one this wheel installed, else PATH's."""
    if os.environ.get("PAYTERM_BIN"):
        return os.environ["PAYTERM_BIN"]
    installed = os.path.join(sysconfig.get_path("scripts"), "payterm")
    if os.path.exists(installed):
        return installed
    found = shutil.which("payterm")
    if found is None:
        raise FileNotFoundError("payterm is not installed (hint: pip install payterm)")
    return found


@dataclass
class Serve:
    """A running `payterm serve`: where it listens and what a merchant would have configured."""

    url: str
    control_url: str
    app2app_url: str
    basic: str
    credentials: dict
    process: subprocess.Popen = field(repr=False)

    def stop(self) -> None:
        """Ends the server as Ctrl-C would, and waits for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def _value(line: str) -> str:
    return line.split(None, 1)[1].strip() if len(line.split(None, 1)) > 1 else ""


def start_serve(args: Optional[List[str]] = None) -> Serve:
    """Starts `payterm serve --port 0 --control-port 0 ARGS` and reads its banner."""
    command = [binary(), "serve", "--port", "0", "--control-port", "0", *(args or [])]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner = {}
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("Press Ctrl-C"):
            break
        words = line.strip().split(None, 1)
        if len(words) == 2:
            banner.setdefault(words[0], words[1])
        if line.strip().startswith("Cloud API"):
            banner["cloud"] = line.strip().split()[-1]
    else:
        process.wait()
        raise RuntimeError("payterm serve did not start:\n" + "".join(seen))
    merchant = banner["merchant"].split(" (")[0]
    username, password = [part.strip() for part in merchant.split(" / ")]
    client_id = banner["merchant"].split("clientID ")[1].rstrip(")")
    basic = banner["client"].split("Authorization: ", 1)[1]
    tid = banner["terminals"].split()[0]
    store = banner["store"].split()[0]
    credentials = {
        "cloud": {"basic": basic, "username": username, "password": password, "tid": tid},
        "app2app": {"clientID": client_id},
        "initiator": {"store": store},
    }
    url = banner["cloud"]
    return Serve(url, banner["control"], url + "/app2app?uri=", basic, credentials, process)


@dataclass
class Run:
    """What `payterm run` did: its exit code, its output and its JSON report."""

    returncode: int
    output: str
    report: dict

    @property
    def passed(self) -> bool:
        return self.returncode == 0


def run_scenarios(paths: List[str], command: Optional[str] = None, args: Optional[List[str]] = None,
                  cwd: Optional[str] = None) -> Run:
    """Runs `payterm run [--exec COMMAND] PATHS… ARGS` in `cwd`; the JSON report is parsed."""
    with tempfile.TemporaryDirectory(prefix="payterm-") as tmp:
        report_path = os.path.join(tmp, "report.json")
        command_line = [binary(), "run", *(["--exec", command] if command else []), *paths,
                        "--report", "json=" + report_path, *(args or [])]
        done = subprocess.run(command_line, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, stdin=subprocess.DEVNULL)
        report = {}
        if os.path.exists(report_path):
            with open(report_path, encoding="utf-8") as f:
                report = json.load(f)
    return Run(done.returncode, done.stdout, report)

