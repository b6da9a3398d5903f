"""Work after the ack in a work process of its own (bot/handoff.py), as `salesbot serve` runs it: clicks
dispatched signed through the real app, their work done by a real child process against the same database
and the local Slack Web API; a work process killed mid-way; a call that cannot be handed over."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.digest import render
from bot.handoff import HandOffError, WorkProcess, dumps, loads
from bot.runtime import Services
from crm.config import Settings
from crm.models import Activity
from tests.bot.app.conftest import SlackRequests, send_digest
from tests.bot.app.test_digest_buttons import fresh, task_world
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack, Message
from tests.rules.world import World


@pytest.fixture
def work(services: Services, db_url: str) -> Iterator[WorkProcess]:
    process = WorkProcess(services, db_url).start()
    services.worker, services.model_worker = process.pool("worker"), process.pool("model_worker")
    yield process
    process.shutdown()


@pytest.fixture
def message(world: World, engine: Engine, slack: FakeSlack, bolt: SlackRequests) -> Message:
    """Ana's digest, with her overdue task t1, sent through the real delivery path."""
    task_world(world)
    return send_digest(engine, slack, bolt.services)


def _die() -> None:
    os._exit(3)


def _pid() -> int:
    return os.getpid()


def test_a_click_is_done_by_the_work_process(
    message: Message, session: Session, slack: FakeSlack, bolt: SlackRequests, work: WorkProcess
) -> None:

    response = bolt.click(message, render.COMPLETE, "task:t1")

    assert response.status == 200
    task = fresh(session, Activity, "t1")
    assert task.status == "completed" and task.completed_at == NOW  # the test's pinned clock, there too
    [update] = slack.calls("chat.update")
    assert "_completed_" in update.params["text"] or "_completed_" in str(update.params["blocks"])
    assert work.pid is not None and work.pid != os.getpid()
    assert bolt.services.worker.submit(_pid).result(30) == work.pid  # where the work ran
    # It said it was ready before it read its first call.
    assert work.state() == {"pid": work.pid, "ready": True, "starts": 1, "given_up": False}


def test_a_killed_work_process_is_started_again_and_loses_no_click(
    message: Message, session: Session, slack: FakeSlack, bolt: SlackRequests, work: WorkProcess
) -> None:
    first = work.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)

    # Whether the click meets the dead process's pipe, the web process's fallback or the new process, it is
    # done once.
    response = bolt.click(message, render.COMPLETE, "task:t1")

    assert response.status == 200
    assert fresh(session, Activity, "t1").status == "completed"
    assert len(slack.calls("chat.update")) == 1
    second = work.wait_replaced(first)
    assert second is not None and second != first
    assert bolt.services.worker.submit(_pid).result(30) == second
    assert work.state() == {"pid": second, "ready": True, "starts": 2, "given_up": False}


def test_a_call_held_by_a_dying_work_process_fails_loudly_and_the_next_one_runs(
    services: Services, work: WorkProcess, caplog: pytest.LogCaptureFixture
) -> None:
    first = work.pid
    assert first is not None

    with caplog.at_level(logging.ERROR, logger="bot.handoff"):
        doomed = services.worker.submit(_die)
        with pytest.raises(HandOffError, match="ended before finishing"):
            doomed.result(30)

    assert "lost with the work process" in caplog.text and "_die" in caplog.text
    second = work.wait_replaced(first)
    assert second is not None
    assert services.worker.submit(_pid).result(30) == second


def test_a_call_that_cannot_be_pickled_runs_in_the_web_process(
    services: Services, work: WorkProcess, caplog: pytest.LogCaptureFixture
) -> None:
    lock = threading.Lock()  # a lock cannot travel to another process

    def holds_a_lock() -> int:
        with lock:
            return os.getpid()

    with caplog.at_level(logging.ERROR, logger="bot.handoff"):
        assert services.worker.submit(holds_a_lock).result(30) == os.getpid()
    assert "could not hand over" in caplog.text


def test_a_failure_in_the_work_process_reaches_the_future_and_the_log(
    services: Services, work: WorkProcess, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="bot.handoff"):
        failed = services.worker.submit(int, "not a number")
        with pytest.raises(HandOffError, match="ValueError"):
            failed.result(30)
    assert "failed in the work process" in caplog.text


def test_the_runtime_is_named_not_copied(engine: Engine, slack: FakeSlack) -> None:
    """A closure that captured the web process's services, engine and client gets the work process's own."""
    settings = Settings(slack_bot_token=slack.token, slack_api_url=slack.url, slack_signing_secret="s")
    here = Services(engine=engine, settings=settings, clock=lambda: NOW)
    there = Services(engine=engine, settings=settings, clock=lambda: NOW)
    client = WebClient(token="xoxb-team-2", base_url=slack.url)
    made: list[str | None] = []

    def client_for(token: str | None) -> WebClient:
        made.append(token)
        return WebClient(token=token, base_url=slack.url)

    def work(note: str) -> tuple[Any, ...]:
        return (services_seen := here, here.engine, client, note, services_seen.clock())

    data = dumps(here, work, ("ok",), {})
    assert b"cloudpickle" in data  # a local function of the tests: cloudpickle copies it
    fn, args, kwargs = loads(data, there, client_for)
    services_, engine_, client_, note, now = fn(*args, **kwargs)

    assert services_ is there and engine_ is there.engine
    assert made == ["xoxb-team-2"] and client_ is not client and client_.token == "xoxb-team-2"
    assert (note, now) == ("ok", NOW)
    try:
        assert not there.worker.submit(lambda: None).exception(5)
    finally:
        here.shutdown()
        there.shutdown()


def test_our_local_functions_travel_as_a_reference_to_their_code(engine: Engine, slack: FakeSlack) -> None:
    """A listener made by one of our factories arrives as that factory's code with the work process's module
    globals (not a copy of them) and what it closed over, the runtime swapped for the work process's own."""
    from bot.interactions.items import complete_item
    from bot.listeners.actions import items

    settings = Settings(slack_bot_token=slack.token, slack_api_url=slack.url, slack_signing_secret="s")
    here = Services(engine=engine, settings=settings, clock=lambda: NOW)
    there = Services(engine=engine, settings=settings, clock=lambda: NOW)
    listener = items.button_handler(here, "complete", complete_item)

    data = dumps(here, listener, (), {})
    arrived, _, _ = loads(data, there, lambda token: WebClient(token=token))

    assert len(data) < 600  # the code itself did not travel
    assert b"cloudpickle" not in data  # pickled by the C pickler: nothing had to travel by value
    assert arrived is not listener and arrived.__code__ == listener.__code__
    assert arrived.__globals__ is vars(items)
    sent = [c.cell_contents for c in listener.__closure__ or ()]
    got = [c.cell_contents for c in arrived.__closure__ or ()]
    assert got == [there if value is here else value for value in sent]
    here.shutdown()
    there.shutdown()


def test_two_functions_on_one_line_are_told_apart_or_copied() -> None:
    from bot.handoff import _local_code

    code = _local_code("tests.fakes.handoff_twins")
    twins = [key for key, value in code.items() if key[0].endswith("<lambda>")]
    assert twins and all(code[key] is None for key in twins)  # ambiguous: such functions travel by value


def test_a_work_process_that_keeps_dying_is_given_up_and_the_web_process_does_the_work(
    services: Services, work: WorkProcess, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("bot.handoff.MAX_RESTARTS", 1)  # one start within the window is all it gets
    first = work.pid
    assert first is not None

    with caplog.at_level(logging.WARNING, logger="bot.handoff"):
        os.kill(first, signal.SIGKILL)
        assert work.wait_replaced(first) is None
        assert services.worker.submit(_pid).result(30) == os.getpid()

    assert work.state() == {"pid": None, "ready": False, "starts": 1, "given_up": True}
    assert "the web process does the work after the ack itself" in caplog.text
    assert "runs in the web process" in caplog.text
