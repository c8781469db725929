"""A Cloud API task's life: created once (after a lost answer, looked up by reference before
it is created again), polled by its own id until final and no further, its result read
(`read_transaction`) and judged (`money_verdict`)."""

from __future__ import annotations

import os
import urllib.parse

from .cheats import CHEAT, drive_control, forging
from .cloud_client import CLOUD
from .exchange import error_code, retry_after_of
from .mistakes import MISTAKE
from .orders import Done, Lost, NotSent, Order
from .output import log
from .settings import FINAL_TASK_STATES, TASK_STATES


class Refusal:
    """The Cloud API refused the create: nothing was created."""

    def __init__(self, status: int, body):
        self.status = status
        self.body = body

    def __str__(self) -> str:
        err = self.body.get("error") if isinstance(self.body, dict) else None
        if isinstance(err, dict):
            return f"{self.status} {err.get('code')}: {err.get('reason') or ''} {err.get('message') or ''}".strip()
        return f"{self.status}"


def cloud_create(order: Order, tid: str, path: str, body: dict, matches) -> dict | Refusal:
    """Creates one task. After a lost answer, looks the task up by reference first and
    creates again only if none exists, so an order never has two live tasks."""
    reference = body.get("originReferenceNum")
    look_first = False
    while True:
        if look_first and reference:
            query = urllib.parse.urlencode({"reference": reference}, quote_via=urllib.parse.quote)
            try:
                a = CLOUD.call(order, "GET", f"/v1/tasks?{query}", tid)
            except Lost as e:
                order.pacer.fault(e.retry_after, str(e))
                continue
            if a.retry:
                continue
            tasks = a.json.get("tasks") if isinstance(a.json, dict) else None
            if a.status != 200 or not isinstance(tasks, list):
                order.pacer.fault(retry_after_of(a.headers))
                continue
            order.pacer.ok()
            found = [t for t in tasks if isinstance(t, dict) and matches(t)]
            if found:
                log(order.id, f"the lost create did happen: task {found[-1].get('taskId')}")
                return found[-1]
            log(order.id, "no task with our reference: creating it again")
            look_first = False
            continue
        try:
            a = CLOUD.call(order, "POST", path, tid, body)
        except NotSent as e:
            order.pacer.fault(e.retry_after, str(e))
            continue
        except Lost as e:
            log(order.id, f"create answer lost ({e}); will look the task up first")
            order.pacer.fault(e.retry_after, str(e))
            look_first = MISTAKE != "blind-create-retry"
            continue
        if a.retry:
            continue
        task = a.json if isinstance(a.json, dict) else {}
        if a.status in (200, 201) and task.get("taskId") and task.get("state") in TASK_STATES:
            order.pacer.ok()
            return task
        if a.status == 409:
            # TERMINAL_BUSY: a refusal, nothing was created; send it again later.
            log(order.id, f"terminal busy ({error_code(a.json)}); trying again later")
            order.pacer.fault(retry_after_of(a.headers))
            continue
        if 400 <= a.status < 500:
            if MISTAKE == "crash-on-refusal":
                log(order.id, f"create refused ({a.status}): crashing")
                os._exit(70)
            order.pacer.ok()
            return Refusal(a.status, a.json)
        # A 2xx that is not a task (or anything else): we cannot know what happened.
        log(order.id, f"create answered {a.status} without a task; will look it up")
        order.pacer.fault(retry_after_of(a.headers))
        look_first = True


class PollFailed(Exception):
    """A poll failed and a planted mistake takes that as the sale's failure (new-sale-when-poll-fails)."""


def given_up(task: dict) -> dict:
    """What a planted mistake that stops polling makes of the task: FAILED, no transaction."""
    return dict(task, state="FAILED", amsId=None)


def first_completed_sale(order: Order, tid: str) -> dict:
    """The terminal's first COMPLETED sale task (only under first-completed-task-is-mine)."""
    path = "/v1/tasks?" + urllib.parse.urlencode({"tid": tid})
    while True:
        try:
            a = CLOUD.call(order, "GET", path, tid)
        except Lost as e:
            order.pacer.fault(e.retry_after, str(e))
            continue
        tasks = a.json.get("tasks") if isinstance(a.json, dict) else None
        order.pacer.ok()
        done = [t for t in tasks or [] if isinstance(t, dict) and t.get("state") == "COMPLETED"
                and (t.get("request") or {}).get("transactionType") == "SALE"]
        if done:
            return done[0]


def cloud_poll(order: Order, tid: str, task: dict) -> dict:
    """Polls the task by its own id until it is final; no poll after that."""
    if MISTAKE == "first-completed-task-is-mine" and (task.get("request") or {}).get("transactionType") == "SALE":
        task = first_completed_sale(order, tid)
    task_id = str(task.get("taskId"))
    order.ids["taskId"] = task_id
    while task.get("state") not in FINAL_TASK_STATES:
        if CHEAT == "control-clock":
            drive_control("/clock/advance", {"by": "10s"})
        try:
            a = CLOUD.call(order, "GET", f"/v1/tasks/{urllib.parse.quote(task_id, safe='')}", tid)
        except Lost as e:
            order.pacer.fault(e.retry_after, str(e))
            if MISTAKE == "failed-poll-is-not-paid":
                return given_up(task)
            if MISTAKE == "new-sale-when-poll-fails":
                raise PollFailed(str(e)) from None
            continue
        if a.retry:
            if MISTAKE == "unauthorized-is-not-paid":
                return given_up(task)
            continue
        fresh = a.json if isinstance(a.json, dict) else {}
        if a.status == 200 and fresh.get("taskId") == task_id and fresh.get("state") in TASK_STATES:
            if fresh.get("state") != task.get("state"):
                log(order.id, f"task {task_id} is {fresh.get('state')}")
            task = fresh
            order.pacer.ok()
            if MISTAKE == "paid-on-in-progress" and task.get("state") == "IN_PROGRESS":
                order.report("paid")
                raise Done()
            if MISTAKE == "reads-result-early" and task.get("state") == "IN_PROGRESS" and task.get("amsId"):
                path = f"/v1/transactions/{urllib.parse.quote(str(task['amsId']), safe='')}"
                if cloud_read(order, tid, path, lambda j: "result" in j).get("result") == -9:
                    order.report("not_paid")
                    raise Done()
        else:
            # No task state in it (a placeholder, a 404): it says nothing; ask again later.
            order.pacer.fault(retry_after_of(a.headers))
            if MISTAKE == "stateless-answer-is-failure":
                return given_up(task)
    if MISTAKE == "poll-after-final":
        for _ in range(3):
            try:
                with forging():
                    CLOUD.call(order, "GET", f"/v1/tasks/{urllib.parse.quote(task_id, safe='')}", tid)
            except Lost:
                pass
            order.pacer.ok()
    if task.get("amsId"):
        order.ids["amsId"] = str(task["amsId"])
    return task


def cloud_read(order: Order, tid: str | None, path: str, valid) -> dict:
    """Reads a result (transaction, batch) until a complete answer arrives."""
    while True:
        try:
            a = CLOUD.call(order, "GET", path, tid)
        except Lost as e:
            order.pacer.fault(e.retry_after, str(e))
            if MISTAKE == "truncated-result-is-not-paid" and path.startswith("/v1/transactions/"):
                return {"result": -1}
            continue
        if a.retry:
            continue
        if a.status == 200 and isinstance(a.json, dict) and valid(a.json):
            order.pacer.ok()
            return a.json
        order.pacer.fault(retry_after_of(a.headers))


def read_transaction(order: Order, tid: str, ams_id: str) -> dict:
    """The transaction's result; while the card is still awaited (-9) it is read again."""
    path = f"/v1/transactions/{urllib.parse.quote(ams_id, safe='')}"
    while True:
        tx = cloud_read(order, tid, path, lambda j: "result" in j)
        if tx.get("result") != -9:
            return tx
        log(order.id, "transaction still awaits the card (-9); reading it again later")


def money_verdict(order: Order, tx: dict, yes: str, no: str) -> str:
    """Result 0 is `yes`; a non-zero result is `no` unless the transaction also carries an
    approval code (captured?): then it is flagged and left `unknown`."""
    result = tx.get("result")
    if result == 0:
        return yes
    if tx.get("approvedCode"):
        order.flag("engineering", f"transaction {tx.get('amsId')} has result {result} but approval code "
                                  f"{tx.get('approvedCode')}: cannot tell whether money moved")
        return "unknown"
    return no
