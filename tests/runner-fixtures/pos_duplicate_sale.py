# The reference integration (the package examples/reference-python/pos/, loaded unchanged) with one
# planted bug, for many orders at once (target: CLOUD-NO-DUPLICATE-SALE): for every Cloud sale
# whose order id ends in one of DUPLICATE_ENDINGS (default "5 7": o5, o7, o15, …) it submits
# the SALE twice (a double submit), then follows the first task as the reference does. Where
# the card is approved both sales are captured, so those orders are also charged twice
# (MONEY-NO-DOUBLE-CHARGE); where it is declined, the second costs nothing. Every other order,
# and everything else, is the reference's.
#
# The two requests go out together, pipelined on one connection, so the emulator takes both
# at once: sent one after the other from a thread among a thousand, the second could come
# after the first task had ended, which is a new sale, not a duplicate.
import json
import os
import socket
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "reference-python"))

from pos import cloud, main, orders, output, settings  # noqa: E402
from pos.cloud_client import CLOUD  # noqa: E402

ENDINGS = tuple(os.environ.get("DUPLICATE_ENDINGS", "5 7").split())
_create = cloud.cloud_create


def read_answer(f) -> tuple[int, object]:
    """One HTTP/1.1 answer with a Content-Length body: (status, JSON body)."""
    status = int(f.readline().split()[1])
    length = 0
    while line := f.readline().strip():
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    body = f.read(length)
    return status, json.loads(body) if body else None


def submit_twice(order, tid, path, body) -> dict | None:
    """The sale submitted twice at once; the first answer's task, if it made one."""
    url = urllib.parse.urlsplit(CLOUD.base + path)
    try:
        token = CLOUD.token(order, tid)
    except orders.Lost:
        return None
    data = json.dumps(body).encode()
    head = (
        f"POST {url.path} HTTP/1.1\r\nHost: {url.hostname}:{url.port}\r\n"
        f"Authorization: Bearer {token}\r\nAccept: application/json\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
    ).encode()
    try:
        with socket.create_connection((url.hostname, url.port), timeout=settings.HTTP_TIMEOUT) as sock:
            sock.sendall((head + data) * 2)
            f = sock.makefile("rb")
            (status, task), _ = read_answer(f), read_answer(f)
    except (OSError, ValueError, IndexError):
        return None
    output.log(order.id, f"planted bug: submitted the sale twice; following the first ({status})")
    return task if status == 201 and isinstance(task, dict) and task.get("taskId") else None


def cloud_create(order, tid, path, body, matches):
    if order.id.endswith(ENDINGS) and body.get("transactionType") == "SALE":
        task = submit_twice(order, tid, path, body)
        if task is not None:
            order.pacer.ok()
            return task
    return _create(order, tid, path, body, matches)


# pos/cloud.py's sale, void and close batch create their tasks through this name.
cloud.cloud_create = cloud_create

if __name__ == "__main__":
    sys.exit(main.main())
