"""A rep's click never waits on HubSpot (issue 20 point 4): with HubSpot connected, the ack is sent before
anything touches the database, HubSpot or Slack; the change, its queue entry and the send all come after it.
Each test holds one of those back and shows the click acked (and, for HubSpot, the next click handled) anyway.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from types import SimpleNamespace
from typing import Any

import pytest

from bot.digest import render
from tests.bot.app.conftest import Message, send_digest
from tests.hubspot_connector.connected import Connected


def ack_only(hs: Connected, click: Any) -> Any:
    """The HTTP answer of a click, without waiting for the work after the ack (which ``SlackRequests``
    otherwise joins)."""
    services = hs.bolt.services
    hs.bolt.services = SimpleNamespace(join=lambda: None)  # type: ignore[assignment]
    try:
        return click()
    finally:
        hs.bolt.services = services


def test_a_click_is_acked_and_the_next_one_handled_while_hubspot_has_not_answered(hs: Connected) -> None:
    assert hs.services.writeback is not None
    api = hs.services.writeback.sender.api
    reading, release = threading.Event(), threading.Event()
    original = api.batch_read

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        release.wait(30)
        return original(*args, **kwargs)

    api.batch_read = slow_read  # type: ignore[method-assign]
    message = send_digest(hs.engine, hs.slack, hs.services)
    try:
        first = ack_only(hs, lambda: hs.bolt.click(message, render.COMPLETE, "task:t1"))
        assert first.status == 200
        assert reading.wait(10)  # the send is waiting on HubSpot now
        second = ack_only(hs, lambda: hs.bolt.click(message, render.COMPLETE, "task:t1"))
        assert second.status == 200
        hs.services.worker.join()  # both clicks' work finished while HubSpot still has not answered
        [saving] = hs.slack.calls("chat.update")
        assert "saving to HubSpot…" in hs.line(saving, "task:t1")
        assert "already completed" in " ".join(hs.told())
        assert not hs.patches("tasks", "t1")
    finally:
        release.set()
    hs.services.join()
    assert len(hs.patches("tasks", "t1")) == 1
    assert "saved in HubSpot" in hs.line(hs.slack.calls("chat.update")[-1], "task:t1")


def test_a_click_is_acked_while_another_process_holds_sqlites_write_lock(hs: Connected) -> None:
    if hs.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    message: Message = send_digest(hs.engine, hs.slack, hs.services)
    path = hs.engine.url.database
    assert path is not None
    holder = sqlite3.connect(path, timeout=0, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # e.g. a sender or the sync in another process, mid-transaction
    try:
        answer = ack_only(hs, lambda: hs.bolt.click(message, render.COMPLETE, "task:t1"))
        assert answer.status == 200
        assert hs.slack.calls("chat.update") == []  # nothing done yet: the work waits for the lock
    finally:
        holder.execute("COMMIT")
        holder.close()
    hs.services.join()
    assert [e.state for e in hs.entries()] == ["sent"]
    assert json.dumps(hs.slack.calls("chat.update")[-1].params).count("saved in HubSpot") == 1
