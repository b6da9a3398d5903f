"""The follow-up prompt after completing a task, and the "Create task" modal."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.blocks import followup
from bot.digest import render
from crm.models import Activity, ActivityContact, ActivityDeal, UserPreference
from tests.bot.app.conftest import SlackRequests, ana_world, send_digest
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack, Message
from tests.rules.world import World


def arrange(world: World, engine: Engine, slack: FakeSlack, bolt: SlackRequests) -> Message:
    ana_world(world)
    world.contact("c1", owner="u1")
    world.contact("c2", owner="u2")  # bo's contact: ana may not see it
    world.deal("d1", owner="u1")
    world.task("t1", due=NOW - timedelta(days=1), contacts=["c1", "c2"], deals=["d1"], priority="high")
    world.commit()
    return send_digest(engine, slack, bolt.services)


def prompt_button(slack: FakeSlack, action_id: str) -> dict:
    [posted] = [r for r in slack.calls("chat.postEphemeral") if r.params.get("blocks")]
    buttons = posted.params["blocks"][1]["elements"]
    return next(b for b in buttons if b["action_id"] == action_id)


def values(title: str, due: str | None, priority: str = "high", links: list[str] | None = None) -> dict:
    state: dict = {
        "title": {"value": {"type": "plain_text_input", "value": title}},
        "due": {"value": {"type": "datepicker", "selected_date": due}},
        "priority": {"value": {"type": "static_select", "selected_option": {"value": priority}}},
    }
    if links is not None:
        state["links"] = {"value": {"type": "checkboxes", "selected_options": [{"value": v} for v in links]}}
    return state


def test_completing_a_task_offers_a_follow_up_and_create_task_opens_a_prefilled_modal(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    message = arrange(world, engine, slack, bolt)
    bolt.click(message, render.COMPLETE, "task:t1")
    create = prompt_button(slack, followup.CREATE)
    assert {b["action_id"] for b in slack.calls("chat.postEphemeral")[0].params["blocks"][1]["elements"]} == {
        followup.CREATE,
        followup.NOT_NOW,
        followup.SETTINGS_OFF,
    }

    bolt.click(message, followup.CREATE, "task:t1", value=create["value"])

    [opened] = slack.calls("views.open")
    assert opened.params["view"]["title"]["text"].startswith("Loading")
    [update] = slack.calls("views.update")
    view = update.params["view"]
    assert view["callback_id"] == followup.CREATE_VIEW
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Follow up: Task"
    assert blocks["due"]["element"]["initial_date"] == "2026-11-24"
    assert blocks["priority"]["element"]["initial_option"]["value"] == "high"
    offered = [o["value"] for o in blocks["links"]["element"]["options"]]
    assert offered == ["contacts:c1", "deals:d1"]  # bo's contact is not offered

    response = bolt.view_submission(
        followup.CREATE_VIEW,
        values("  Send the   proposal ", "2026-11-25", "medium", offered),
        metadata=view["private_metadata"],
    )

    assert response.status == 200 and not response.body
    session.rollback()
    created = session.scalars(select(Activity).where(Activity.title == "Send the proposal")).one()
    assert (created.owner_id, created.status, created.priority, created.type) == (
        "u1",
        "not_started",
        "medium",
        "task",
    )
    assert created.due_at is not None and created.due_at.date() == date(2026, 11, 25)
    assert session.scalars(
        select(ActivityContact.contact_id).where(ActivityContact.activity_id == created.id)
    ).all() == ["c1"]
    assert session.scalars(
        select(ActivityDeal.deal_id).where(ActivityDeal.activity_id == created.id)
    ).all() == ["d1"]
    assert "Task created: Send the proposal" in slack.calls("chat.postEphemeral")[-1].params["text"]


def test_invalid_modal_input_comes_back_inline_and_creates_nothing(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world, engine, slack, bolt)
    cases = {
        "empty title": (values("   ", "2026-11-25"), "title"),
        "long title": (values("x" * 201, "2026-11-25"), "title"),
        "past date": (values("Call back", "2026-11-20"), "due"),
        "no date": (values("Call back", None), "due"),
        "bad priority": (values("Call back", "2026-11-25", "urgent"), "priority"),
    }
    for name, (state, field) in cases.items():
        response = bolt.view_submission(followup.CREATE_VIEW, state, metadata='{"task":"t1"}')
        body = response.body if isinstance(response.body, str) else ""
        assert response.status == 200, name
        assert '"response_action": "errors"' in body and f'"{field}"' in body, name
    session.rollback()
    assert session.scalars(select(Activity).where(Activity.title == "Call back")).all() == []


def test_a_forged_link_to_a_record_the_user_may_not_see_creates_nothing(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world, engine, slack, bolt)
    bolt.view_submission(
        followup.CREATE_VIEW, values("Sneaky", "2026-11-25", links=["contacts:c2"]), metadata='{"task":"t1"}'
    )
    session.rollback()
    assert session.scalars(select(Activity).where(Activity.title == "Sneaky")).all() == []
    assert "Nothing changed" in slack.calls("chat.postMessage")[-1].params["text"]


def test_not_now_removes_the_prompt_and_task_settings_turn_it_off_and_on(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    message = arrange(world, engine, slack, bolt)
    world.task("t3", due=NOW - timedelta(days=1))
    world.commit()
    bolt.click(message, render.COMPLETE, "task:t1")

    bolt.click(message, followup.NOT_NOW, "task:t1", value="t1")
    assert slack.calls("response_url")[-1].params["delete_original"] is True

    bolt.click(message, followup.SETTINGS_OFF, "task:t1", value="off")
    assert slack.calls("response_url")[-1].params["replace_original"] is True
    session.rollback()
    assert session.get(UserPreference, "u1").follow_up_prompt is False

    prompts = len(slack.calls("chat.postEphemeral"))
    bolt.click(message, render.COMPLETE, "task:t3")
    session.rollback()
    assert session.get(Activity, "t3").status == "completed"
    assert len(slack.calls("chat.postEphemeral")) == prompts  # no prompt any more

    bolt.click(message, followup.SETTINGS_ON, "task:t1", value="on")
    session.rollback()
    assert session.get(UserPreference, "u1").follow_up_prompt is True


def test_a_link_the_modal_did_not_offer_creates_nothing_even_to_a_visible_record(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world, engine, slack, bolt)
    world.contact("c3", owner="u1")  # ana's, but not a record of t1: the modal never offered it
    world.commit()
    for metadata, links in (
        ('{"task":"t1"}', ["contacts:c3"]),
        ("{}", ["contacts:c1"]),
        ("[1]", ["deals:d1"]),
    ):
        bolt.view_submission(
            followup.CREATE_VIEW, values("Sneaky", "2026-11-25", links=links), metadata=metadata
        )
        assert "Nothing changed" in slack.calls("chat.postMessage")[-1].params["text"]
    session.rollback()
    assert session.scalars(select(Activity).where(Activity.title == "Sneaky")).all() == []
    bolt.view_submission(
        followup.CREATE_VIEW, values("Fine", "2026-11-25", links=["contacts:c1"]), metadata='{"task":"t1"}'
    )
    session.rollback()
    assert session.scalars(select(Activity).where(Activity.title == "Fine")).one()
