"""The bundled-actions queue: Start on a bundled digest line, then one member at a time."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.blocks.queue import OUTCOME, QUEUE_VIEW, SKIP
from bot.digest import render
from crm.models import Action, Activity
from rules.engine import evaluate
from tests.bot.app.conftest import SlackRequests, ana_world, send_digest
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World, ago


def outcome(value: str | None) -> dict:
    option = {"value": value} if value else None
    return {OUTCOME[0]: {OUTCOME[1]: {"type": "static_select", "selected_option": option}}}


def latest_view(slack: FakeSlack) -> dict:
    return slack.calls("views.update")[-1].params["view"]


def test_start_walks_through_meetings_waiting_for_an_outcome(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    ana_world(world)
    world.contact("c1", owner="u1")
    world.meeting("m1", start=ago(hours=5), contacts=["c1"], title="Kickoff <!channel>")
    world.meeting("m2", start=ago(hours=4))
    world.meeting("m3", owner="u2", start=ago(hours=4))  # bo's
    world.commit()
    evaluate(world.session, NOW)
    world.session.commit()
    message = send_digest(engine, slack, bolt.services)
    start = next(
        b["accessory"] for b in message.blocks if b.get("accessory", {}).get("action_id") == render.START
    )
    assert start["value"] == "bundle:R06"

    bolt.click(message, render.START, "bundle:R06", value=start["value"])

    view = latest_view(slack)
    assert view["callback_id"] == QUEUE_VIEW
    member = next(b for b in view["blocks"] if b["block_id"] == "member")["text"]["text"]
    assert "Kickoff &lt;!channel&gt;" in member and "1 of 2" in json.dumps(view)

    missing = bolt.view_submission(QUEUE_VIEW, outcome(None), metadata=view["private_metadata"])
    assert '"response_action": "errors"' in str(missing.body)

    saved = bolt.view_submission(QUEUE_VIEW, outcome("completed"), metadata=view["private_metadata"])
    assert '"response_action": "update"' in str(saved.body)
    session.rollback()
    assert session.get(Activity, "m1").outcome == "completed"
    view = latest_view(slack)
    assert "2 of 2" in json.dumps(view)

    bolt.view_action(view, SKIP, "m2")
    assert "All done: 1 handled, 1 skipped." in json.dumps(latest_view(slack))
    session.rollback()
    assert session.get(Activity, "m2").outcome is None
    assert session.get(Activity, "m3").outcome is None

    evaluate(world.session, NOW + timedelta(minutes=5))
    world.session.commit()
    session.rollback()
    states = dict(session.execute(select(Action.subject_id, Action.state).where(Action.rule == "R06")).all())
    assert states == {"m1": "expired", "m2": "open", "m3": "open"}


def test_high_priority_queue_completes_tasks_and_a_stale_modal_changes_nothing(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    ana_world(world)
    world.task("t1", due=NOW + timedelta(hours=2), priority="high")
    world.task("t2", due=NOW + timedelta(hours=3), priority="high")
    world.commit()
    evaluate(world.session, NOW)
    world.session.commit()
    message = send_digest(engine, slack, bolt.services)

    bolt.click(message, render.START, "bundle:R13", value="bundle:R13")
    first = latest_view(slack)
    bolt.view_submission(QUEUE_VIEW, {}, metadata=first["private_metadata"])
    session.rollback()
    assert session.get(Activity, "t1").status == "completed"

    # The same (now stale) modal submitted again: the queue has moved on, t2 is not completed by it.
    bolt.view_submission(QUEUE_VIEW, {}, metadata=first["private_metadata"])
    session.rollback()
    assert session.get(Activity, "t2").status == "not_started"


def test_forged_queue_metadata_is_refused_inline(bolt: SlackRequests, world: World) -> None:
    ana_world(world)
    world.commit()
    for metadata in ("", "{}", '{"rule":"R01","ids":[]}', '{"rule":"R06","ids":["m1"],"pos":9}', "[1,2]"):
        response = bolt.view_submission(QUEUE_VIEW, outcome("completed"), metadata=metadata)
        assert '"response_action": "errors"' in str(response.body), metadata


def test_a_queue_member_of_another_rep_is_never_shown_or_changed(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    ana_world(world)
    world.meeting("m3", owner="u2", start=ago(hours=4))
    world.commit()
    forged = json.dumps(
        {"rule": "R06", "ids": ["m3"], "pos": 0, "done": 0, "skipped": 0, "more": 0, "channel": None}
    )
    bolt.view_submission(QUEUE_VIEW, outcome("completed"), metadata=forged)
    session.rollback()
    assert session.get(Activity, "m3").outcome is None
    assert "All done: 0 handled" in json.dumps(latest_view(slack))
