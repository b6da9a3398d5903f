"""Clicks on digest lines, dispatched signed through the real app against the local Slack Web API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.digest import render
from bot.digest.content import load_digest
from crm.models import Action, Activity, TaskSnooze, User
from rules.engine import evaluate
from tests.bot.app.conftest import SlackRequests, ana_world, send_digest
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World, ago


def texts(blocks: list[dict]) -> str:
    out = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            out.append(text.get("text", ""))
        for element in block.get("elements", []):
            if isinstance(element, dict) and element.get("type") == "mrkdwn":
                out.append(element.get("text", ""))
    return "\n".join(out)


def block(blocks: list[dict], block_id: str) -> dict | None:
    return next((b for b in blocks if b.get("block_id") == block_id), None)


def ephemerals(slack: FakeSlack) -> list[str]:
    return [str(r.params.get("text")) for r in slack.calls("chat.postEphemeral")]


def task_world(world: World) -> World:
    ana_world(world)
    world.contact("c1", owner="u1")
    world.contact("c2", owner="u2")
    world.task("t1", due=NOW - timedelta(days=2), contacts=["c1"], priority="high")
    world.task("t2", owner="u2", due=NOW - timedelta(days=1), contacts=["c2"])
    world.commit()
    return world


def fresh(session: Session, model: type, id_: object) -> object:
    session.rollback()  # end the read snapshot, to see what the app committed since
    return session.get(model, id_)


def test_complete_on_a_task_line_completes_it_and_redraws_the_digest_in_place(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    task_world(world)
    message = send_digest(engine, slack, bolt.services)
    assert block(message.blocks, "a:task:t1") is not None
    assert "1 overdue" in texts(message.blocks)

    response = bolt.click(message, render.COMPLETE, "task:t1")

    assert response.status == 200
    task = fresh(session, Activity, "t1")
    assert task.status == "completed" and task.completed_at == NOW
    [update] = slack.calls("chat.update")
    assert (update.params["channel"], update.params["ts"]) == (message.channel, message.ts)
    blocks = update.params["blocks"]
    assert block(blocks, "a:task:t1") is None  # the line's buttons are gone
    assert "_completed_" in block(blocks, "l:task:t1")["text"]["text"]
    assert "0 overdue" in texts(blocks)
    assert message.blocks == blocks  # the fake applied the update to the stored message


def test_second_click_on_a_completed_task_changes_nothing_and_says_so(
    world: World,
    engine: Engine,
    session: Session,
    slack: FakeSlack,
    bolt: SlackRequests,
    clock: list[datetime],
) -> None:
    task_world(world)
    message = send_digest(engine, slack, bolt.services)
    bolt.click(message, render.COMPLETE, "task:t1")
    clock[0] = NOW + timedelta(minutes=5)
    bolt.click(message, render.COMPLETE, "task:t1")

    assert len(slack.calls("chat.update")) == 1
    assert fresh(session, Activity, "t1").completed_at == NOW  # the first click's time stays
    assert "This task is already completed." in ephemerals(slack)


def test_a_forged_value_naming_another_reps_task_changes_nothing(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    task_world(world)
    message = send_digest(engine, slack, bolt.services)

    bolt.click(message, render.COMPLETE, "task:t1", value="task:t2")

    assert fresh(session, Activity, "t2").status == "not_started"
    assert slack.calls("chat.update") == []
    assert ephemerals(slack) == ["Nothing changed: you may not change that task."]


def test_a_super_admin_may_complete_a_reps_task(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    task_world(world)
    world.users["u1"].role = "super_admin"
    world.commit()
    message = send_digest(engine, slack, bolt.services)

    bolt.click(message, render.COMPLETE, "task:t1", value="task:t2")

    assert fresh(session, Activity, "t2").status == "completed"


def test_values_that_are_not_item_references_change_nothing(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    task_world(world)
    message = send_digest(engine, slack, bolt.services)
    for value in ("", "task:", "action:abc", "meeting:m1", "x" * 5000, "bundle:R99"):
        bolt.click(message, render.COMPLETE, "task:t1", value=value)
    assert fresh(session, Activity, "t1").status == "not_started"
    assert slack.calls("chat.update") == []
    assert set(ephemerals(slack)) == {"Nothing changed: that button is out of date or not valid."}


def test_snooze_until_tomorrow_hides_the_task_until_the_next_digest_time(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    task_world(world)
    message = send_digest(engine, slack, bolt.services)

    bolt.click(message, render.SNOOZE, "task:t1", selected="tomorrow")

    tomorrow_8 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    assert fresh(session, TaskSnooze, "t1").until == tomorrow_8
    [update] = slack.calls("chat.update")
    assert "snoozed until Tue 2026-11-24 10:00" in block(update.params["blocks"], "l:task:t1")["text"]["text"]
    ana = session.get(User, "u1")
    refs_now = {line.ref for s in load_digest(session, ana, NOW).sections for line in s.lines}
    refs_then = {line.ref for s in load_digest(session, ana, tomorrow_8).sections for line in s.lines}
    assert "task:t1" not in refs_now and "task:t1" in refs_then


def test_snooze_next_monday_lands_on_monday_at_digest_time_in_the_users_zone(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    task_world(world)
    world.users["u1"].timezone = "America/New_York"
    world.users["u1"].digest_time = "07:00"
    world.commit()
    message = send_digest(engine, slack, bolt.services)

    bolt.click(message, render.SNOOZE, "task:t1", selected="monday")

    # Monday 2026-11-23 07:00 in New York is 12:00 UTC; the next Monday is a week later.
    assert fresh(session, TaskSnooze, "t1").until == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def guided_world(world: World) -> Action:
    ana_world(world)
    world.contact("c1", owner="u1", assigned=ago(hours=2))  # R01: newly assigned contact
    world.commit()
    evaluate(world.session, NOW)
    world.session.commit()
    return world.session.scalars(select(Action).where(Action.user_id == "u1")).one()


def test_guided_action_buttons_complete_snooze_dismiss_and_feedback(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    action = guided_world(world)
    ref = f"action:{action.id}"
    message = send_digest(engine, slack, bolt.services)
    assert block(message.blocks, f"a:{ref}") is not None

    bolt.click(message, render.SNOOZE, ref, selected="1h")
    snoozed = fresh(session, Action, action.id)
    assert snoozed.state == "snoozed" and snoozed.snoozed_until == NOW + timedelta(hours=1)
    assert "snoozed until 13:00" in texts(slack.calls("chat.update")[-1].params["blocks"])

    bolt.click(message, render.FEEDBACK, ref, selected="keep_it_up")
    assert fresh(session, Action, action.id).feedback == "keep_it_up"

    bolt.click(message, render.DISMISS, ref)
    dismissed = fresh(session, Action, action.id)
    assert dismissed.state == "dismissed" and dismissed.acted_by == "u1" and dismissed.ended_at == NOW
    assert "_dismissed_" in texts(slack.calls("chat.update")[-1].params["blocks"])

    bolt.click(message, render.COMPLETE, ref)
    assert fresh(session, Action, action.id).state == "dismissed"
    assert ephemerals(slack)[-1] == "This action is already dismissed."


def test_not_really_records_feedback_then_the_modal_adds_a_comment(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    action = guided_world(world)
    ref = f"action:{action.id}"
    message = send_digest(engine, slack, bolt.services)

    bolt.click(message, render.FEEDBACK, ref, selected="not_really")

    assert fresh(session, Action, action.id).feedback == "not_really"
    [opened] = slack.calls("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "digest.feedback_comment"
    response = bolt.view_submission(
        view["callback_id"],
        {"comment": {"value": {"type": "plain_text_input", "value": "I had <already> called them"}}},
        metadata=view["private_metadata"],
    )
    assert response.status == 200
    stored = fresh(session, Action, action.id)
    assert (stored.feedback, stored.feedback_comment) == ("not_really", "I had <already> called them")


def test_a_slack_user_with_no_crm_user_is_told_so_and_gets_no_data(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    task_world(world)
    message = send_digest(engine, slack, bolt.services)

    bolt.click(message, render.COMPLETE, "task:t1", user="USTRANGER")

    assert fresh(session, Activity, "t1").status == "not_started"
    [text] = ephemerals(slack)
    assert text.startswith("Your Slack account is not linked")


def test_the_rules_engine_sees_a_task_completed_from_slack(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    ana_world(world)
    world.task("t9", due=NOW + timedelta(hours=3), priority="high")  # R13: high priority, due today
    world.commit()
    evaluate(world.session, NOW)
    world.session.commit()
    message = send_digest(engine, slack, bolt.services)

    bolt.click(message, render.COMPLETE, "task:t9")
    evaluate(world.session, NOW + timedelta(minutes=5))
    world.session.commit()

    session.rollback()
    r13 = session.scalars(select(Action).where(Action.rule == "R13")).one()
    assert (r13.state, r13.expired_reason) == ("expired", "criteria_no_longer_met")


def test_a_menu_on_a_line_whose_id_is_too_long_for_a_block_id_still_finds_its_task(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    ana_world(world)
    long_id = "t" * 250
    world.task(long_id, due=NOW - timedelta(days=1))
    world.commit()
    message = send_digest(engine, slack, bolt.services)
    [hashed] = [b["block_id"] for b in message.blocks if b["block_id"].startswith("a#")]

    bolt.click(message, render.SNOOZE, f"task:{long_id}", selected="1h", block_id=hashed)

    assert fresh(session, TaskSnooze, long_id).until == NOW + timedelta(hours=1)
