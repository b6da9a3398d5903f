"""The HubSpot part of ``bench/interactivity.py --hubspot``: a fake HubSpot mirroring the demo CRM's tasks,
and the time from a click to HubSpot's record being updated.

The fake answers every request after ``--hubspot-latency-ms`` (150 by default, about a real API's) and
limits itself to 110 requests per 10 s like a real portal (its 429s are counted: Salesbot's shared budget,
``HUBSPOT_RATE_PER_10S`` = 100, should keep them at zero). Every task's completion in HubSpot is timed when
the fake applies it (``time.perf_counter``: the system-wide monotonic clock, so the fake may run in another
process than the clicks); a click's write-back time is that minus when the click was sent. Lost: a clicked
task never completed in HubSpot; duplicated: a task completed by more than one write.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine, select

from crm.db import session_scope
from crm.models import Activity, HubSpotPortal, HubSpotRecord, HubSpotUser, User
from tests.fakes.hubspot_api import TOKEN, FakeHubSpot
from tests.fakes.hubspot_state import iso


class Mirror:
    """The fake HubSpot with the demo's tasks, and when each task was completed there."""

    def __init__(self, engine: Engine, latency_ms: float) -> None:
        self.fake = FakeHubSpot(latency_s=latency_ms / 1000)
        self.completed: dict[str, list[float]] = defaultdict(list)  # HubSpot task id -> times completed
        self.task_ids: dict[str, str] = {}  # Salesbot task id -> HubSpot id
        state = self.fake.state
        original = state.change

        def change(object_type: str, oid: int, properties: dict[str, Any], at: Any = None) -> None:
            if object_type == "tasks" and properties.get("hs_task_status") == "COMPLETED":
                self.completed[str(oid)].append(time.perf_counter())
            original(object_type, oid, properties, at)

        state.change = change  # type: ignore[method-assign]
        with session_scope(engine) as session:
            users = session.scalars(select(User)).all()
            for number, user in enumerate(users):
                session.add(HubSpotUser(user_id=user.id, owner_id=str(9000 + number)))
            tasks = session.scalars(select(Activity).where(Activity.type == "task")).all()
            for task in tasks:
                properties = {
                    "hs_task_subject": task.title,
                    "hs_task_status": (task.status or "not_started").upper(),
                    "hs_timestamp": iso(task.due_at) if task.due_at else None,
                }
                hubspot_id = str(state.add("tasks", properties))
                self.task_ids[task.id] = hubspot_id
                session.add(HubSpotRecord(object_type="tasks", hubspot_id=hubspot_id, salesbot_id=task.id))
            session.add(HubSpotPortal(portal_id="12345", time_zone="UTC"))
        self.fake.limit_rate(per_10s=110)

    def env(self) -> dict[str, str]:
        return {"HUBSPOT_ACCESS_TOKEN": TOKEN, "HUBSPOT_API_URL": self.fake.base_url}

    def start(self) -> Mirror:
        self.fake.__enter__()
        return self

    def stop(self) -> None:
        self.fake.__exit__(None, None, None)


def paced_clicks(
    port: int,
    clicks: list[tuple[str, str]],
    clients: int,
    rate_per_s: float,
    body: Callable[[str, str], str],
    headers: Callable[[str], dict[str, str]],
) -> dict[str, float]:
    """Send ``clicks`` from ``clients`` connections at ``rate_per_s`` clicks a second in all; returns when
    each task's click was sent (``time.perf_counter``)."""
    sent: dict[str, float] = {}
    failed: list[str] = []
    lock = threading.Lock()
    began = time.perf_counter() + 0.5
    interval = 1.0 / rate_per_s

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for n in range(index, len(clicks), clients):
            slack_user, task_id = clicks[n]
            wait = began + n * interval - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            payload = body(slack_user, task_id)
            at = time.perf_counter()
            try:
                connection.request("POST", "/slack/events", body=payload, headers=headers(payload))
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            with lock:
                if ok:
                    sent[task_id] = at
                else:
                    failed.append(task_id)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        print(f"paced clicks refused  {len(failed)} (not counted)")
    return sent


def report(
    mirror: RemoteMirror, sent: dict[str, float], wait_s: float, pct: Callable[[list[float], float], float]
) -> None:
    deadline = time.monotonic() + wait_s
    completed = mirror.completed()
    while time.monotonic() < deadline:
        if all(completed.get(mirror.task_ids[t]) for t in sent):
            break
        time.sleep(0.1)
        completed = mirror.completed()
    times = [
        (completed[mirror.task_ids[t]][0] - at) * 1000
        for t, at in sent.items()
        if completed.get(mirror.task_ids[t])
    ]
    lost = sum(1 for t in sent if not completed.get(mirror.task_ids[t]))
    duplicated = sum(1 for v in completed.values() if len(v) > 1)
    stats = mirror.command("stats")
    statuses = stats["statuses"]
    if times:
        median, p95, p99 = pct(times, 0.5), pct(times, 0.95), pct(times, 0.99)
        print(
            f"click to HubSpot      median {median:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  "
            f"({len(times)} writes; target p99 under 2 s)"
        )
    print(
        f"write-back            lost {lost}, duplicated {duplicated}; HubSpot requests "
        f"{sum(statuses.values())} {statuses}, 429s from its own limit {stats['rate_limited']}"
    )


class RemoteMirror(Protocol):
    """What ``report`` asks of the mirror, which runs in the fakes' process (``bench/interactivity.py``)."""

    task_ids: dict[str, str]

    def completed(self) -> dict[str, list[float]]: ...

    def command(self, line: str) -> dict[str, Any]: ...
