"""The write-back queue itself: stored with the change or not at all, claimed by one sender at a time, a
record's changes in order, counted for ``salesbot hubspot status``, pushed by ``salesbot hubspot push``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.cli.main import main
from crm.changes import records, tasks
from crm.changes import writeback as queue
from crm.config import get_settings
from crm.models import Activity, User, WritebackEntry
from hubspot_connector.api import HubSpotApi, RetryPolicy
from hubspot_connector.writeback import queue_counts
from hubspot_connector.writeback.sender import LEASE, Sender
from tests.conftest import NOW
from tests.fakes.hubspot_api import TOKEN
from tests.hubspot_connector.connected import Connected
from tests.rules.world import World


def change(engine: Engine, do: object) -> list[int]:
    with Session(engine) as session:
        queue.begin(session, queue.Origin(slack_user="UANA"))
        actor = session.get(User, "u1")
        assert actor is not None
        do(session, actor)  # type: ignore[operator]
        session.commit()
        return queue.queued(session)


def sender(hs: Connected, now: datetime = NOW) -> Sender:
    api = HubSpotApi(
        TOKEN, base_url=hs.hubspot.base_url, clock=hs.time.clock, sleep=hs.time.sleep,
        retry=RetryPolicy(attempts=2, backoff_s=0.1, timeout_s=5.0),
    )  # fmt: skip
    return Sender(hs.engine, api, clock=lambda: now)


def test_a_change_that_rolls_back_leaves_no_entry(hs: Connected, session: Session) -> None:
    with Session(hs.engine) as s:
        queue.begin(s, queue.Origin(slack_user="UANA"))
        actor = s.get(User, "u1")
        assert actor is not None
        tasks.complete_task(s, "t1", actor, NOW)
        assert len(queue.queued(s)) == 1
        s.rollback()
    assert session.scalars(select(WritebackEntry)).all() == []
    assert session.get(Activity, "t1").status == "not_started"


def test_two_senders_never_send_one_entry_twice_and_a_dead_senders_lease_runs_out(hs: Connected) -> None:
    [entry_id] = change(hs.engine, lambda s, a: tasks.complete_task(s, "t1", a, NOW))
    first, second = sender(hs), sender(hs)
    assert first._claim(entry_id, NOW) is not None  # then the first process dies without finishing
    assert second.send(entry_id) == []
    assert not hs.patches("tasks", "t1")
    later = sender(hs, NOW + LEASE + timedelta(seconds=1))
    [result] = later.send(entry_id)
    assert result.state == "sent" and len(hs.patches("tasks", "t1")) == 1
    assert sender(hs, NOW + LEASE * 3).send(entry_id) == []  # sent: never again


def test_a_records_changes_go_out_in_order(hs: Connected) -> None:
    [stage] = change(hs.engine, lambda s, a: records.set_deal_stage(s, a, "d1", "s2", NOW))
    [close] = change(hs.engine, lambda s, a: records.set_close_date(s, a, "d1", NOW.date(), NOW))
    assert sender(hs).send(close) == []  # waits for the stage change before it
    results = sender(hs).send(stage)  # the stage, then the close date behind it
    assert [r.entry_id for r in results] == [stage, close]
    assert [list(r.body["properties"]) for r in hs.patches("deals", "d1")] == [["dealstage"], ["closedate"]]


def test_queue_counts_for_status(hs: Connected, session: Session) -> None:
    change(hs.engine, lambda s, a: tasks.complete_task(s, "t1", a, NOW))
    change(hs.engine, lambda s, a: records.set_deal_stage(s, a, "d1", "s2", NOW))
    hs.hubspot.fail(403, times=1, path="/crm/v3/objects/deals/")
    sender(hs).send_pending()
    assert queue_counts(session) == {"pending": 0, "sent": 1, "conflict": 0, "failed": 1}


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_push_sends_what_is_pending_once(
    hs: Connected, db_url: str, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    change(hs.engine, lambda s, a: tasks.complete_task(s, "t1", a, NOW))
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("HUBSPOT_API_URL", hs.hubspot.base_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    out, err = io.StringIO(), io.StringIO()
    assert main(["--database-url", db_url, "hubspot", "push"], out, err) == 0, err.getvalue()
    assert "sent 1, conflicts 0, failed 0, still pending 0" in out.getvalue()
    assert len(hs.patches("tasks", "t1")) == 1
    out = io.StringIO()
    assert main(["--database-url", db_url, "hubspot", "push"], out, err) == 0
    assert "sent 0" in out.getvalue() and len(hs.patches("tasks", "t1")) == 1


def test_push_without_hubspot_is_a_configuration_error(
    db_url: str, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    for name in ("HUBSPOT_ACCESS_TOKEN", "HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    err = io.StringIO()
    assert main(["--database-url", db_url, "hubspot", "push"], io.StringIO(), err) == 2
    assert "not connected" in err.getvalue()


def test_a_call_outcome_is_written_as_hubspots_disposition_and_an_unknown_one_is_a_visible_failure(
    hs: Connected,
    world: World,
    session: Session,
) -> None:
    from crm.changes.outcomes import log_outcome
    from crm.models import HubSpotRecord

    world.call("k1", owner="u1")
    world.call("k2", owner="u1")
    world.commit()
    for call in ("k1", "k2"):
        hs.ids[call] = hs.hubspot.state.add("calls", {"hs_call_body": "x", "hubspot_owner_id": "501"})
        session.add(HubSpotRecord(object_type="calls", hubspot_id=str(hs.ids[call]), salesbot_id=call))
    session.commit()
    change(hs.engine, lambda s, a: log_outcome(s, "k1", "call", a, "Connected", NOW))
    change(hs.engine, lambda s, a: log_outcome(s, "k2", "call", a, "Not interested", NOW))
    results = sender(hs).send_pending()
    assert [r.state for r in results] == ["sent", "failed"]
    assert 'no call outcome "Not interested"' in results[1].message
    [patch] = hs.patches("calls", "k1")
    assert patch.body == {"properties": {"hs_call_disposition": "f240bbac-87c9-4f6e-bf70-924b57d47db7"}}
    assert not hs.patches("calls", "k2")


def test_with_oauth_nothing_is_queued_until_a_portal_installed_the_app(engine: Engine) -> None:
    from datetime import UTC

    from bot.writeback.runner import Writeback
    from crm.models import HubSpotOAuthToken

    writeback = Writeback(engine, lambda: sender_never_built(), clock=lambda: NOW, oauth=True)

    def queues() -> bool:
        with Session(engine) as s:
            writeback.begin(s, user="UANA", team=None, channel=None, ts=None)
            entry = queue.enqueue(
                s, kind="complete_task", object_type="tasks", record_id="t1", actor_id="u1", now=NOW
            )
            s.rollback()
            return entry is not None

    try:
        assert not queues()
        with Session(engine) as s:
            s.add(
                HubSpotOAuthToken(
                    portal_id="12345", access_token="a", refresh_token="r",
                    expires_at=datetime(2027, 1, 1, tzinfo=UTC), scopes=[],
                )
            )  # fmt: skip
            s.commit()
        assert queues()
    finally:
        writeback.shutdown()


def sender_never_built() -> Sender:
    raise AssertionError("no sender is needed to queue")
