"""Issue 15's findings, through the real app with signed requests (and the fake Slack and model servers):
private activities never shared, long input cut to fit, unparsable numbers and times answered inline,
submitted choices checked against what the modal offered, duplicate model items merged, and a total model
deadline."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.app import build_app
from bot.blocks import insights as ib
from bot.blocks.home import modals as m
from bot.blocks.home.settings import SETTINGS_VIEW
from bot.home.state import HomeState
from bot.runtime import Services
from bot.slack import limits
from crm.models import Deal, User
from tests.bot.app.conftest import SlackRequests, ana_world
from tests.bot.app.test_sales_command import button, texts
from tests.bot.home.conftest import home_click
from tests.conftest import NOW
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_channels import Channel
from tests.rules.world import World, ago

TIMEOUT_S = 0.5


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def bolt(engine: Engine, slack: FakeSlack, model: FakeOpenAI, services: Services) -> SlackRequests:
    services.settings = services.settings.model_copy(
        update={
            "openai_api_key": SecretStr("sk-test"),
            "openai_base_url": model.base_url,
            "salesbot_model": "fake-model",
            "salesbot_llm_timeout_s": 10.0,
        }
    )
    return SlackRequests(build_app(services), services, slack)


def arrange(world: World) -> World:
    ana_world(world)
    world.contact("c1", owner="u1")
    world.deal("d1", owner="u1", contacts=["c1"]).name = "Globex renewal"
    world.email("e1", deals=["d1"], contacts=["c1"], subject="Pricing question", body="Can we get SSO?")
    note = world.note("n1", deals=["d1"], private=True)
    note.body, note.occurred_at = "My private plan: drop the price 40%", ago(hours=5)
    world.meeting("m1", deals=["d1"], start=NOW + timedelta(days=1), private=True).title = "Secret offsite"
    world.commit()
    return world


# --- 1. nothing private is posted where others read it ------------------------------------------------


def test_share_to_channel_leaves_out_private_activities_even_from_the_model(
    bolt: SlackRequests, world: World, model: FakeOpenAI, slack: FakeSlack
) -> None:
    arrange(world)
    bolt.command("insights d1")
    [own] = bolt.answers()
    assert "My private plan" in texts(own)  # the owner sees their own private note
    assert "My private plan" in model.all_requests_text()
    asked = len(model.requests)

    slack.channels["C0SALES"] = Channel(members=["UANA", "UBOT"])  # a channel Ana alone reads
    bolt.message_click(ib.SHARE, value=str(button(own, ib.SHARE)["value"]))
    shared = slack.calls("chat.postMessage")[-1].params
    assert shared["channel"] == "C0SALES" and "Pricing question" in json.dumps(shared)
    assert "private plan" not in json.dumps(shared) and "n1" not in json.dumps(shared["blocks"])
    assert "Secret offsite" not in json.dumps(shared)
    # The shared text's model call saw no private activity (its summary cannot quote one).
    share_requests = json.dumps(model.requests[asked:])
    assert len(model.requests) > asked
    assert "private plan" not in share_requests and "Secret offsite" not in share_requests


# --- 2. long input: every text built from it fits, every path answers -------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "w" * 4000,
        "<!channel>" * 400,
        "insights " + "w" * 4000,
        "insights " + "<!channel>" * 400,
        "insights " + "&" * 3000,
        "tasks " + "<" * 4000,
        "deals " + "w" * 4000,
        "schedule " + "w" * 4000,
        "feed " + "w" * 4000,
        "queue " + "w" * 4000,
        "digest " + "w" * 4000,
    ],
)
def test_long_sales_arguments_always_answer_within_the_limits(
    text: str, bolt: SlackRequests, world: World, slack: FakeSlack
) -> None:
    arrange(world)
    response = bolt.command(text)
    assert response.status == 200
    answers = bolt.answers() + ([json.loads(response.body)] if response.body else [])
    answers += [c.params for c in slack.calls("views.open")]
    assert answers, "no answer"
    for answer in answers:
        if answer.get("type") == "modal":
            limits.check_view(answer)
        else:
            limits.check_message(answer)
    assert slack.rejected == []


# --- 3. unparsable numbers and times come back inline ---------------------------------------------------


def create_values(amount: str) -> dict:
    return {
        m.NAME[0]: {m.NAME[1]: {"type": "plain_text_input", "value": "New deal"}},
        m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "p1/s1"}}},
        m.AMOUNT[0]: {m.AMOUNT[1]: {"type": "plain_text_input", "value": amount}},
    }


@pytest.mark.parametrize(
    "amount",
    ["NaN", "nan", "sNaN", "-NaN", "Infinity", "-inf", "1e999999999", "12,0.0.1", "-5", "1e17"],
)
def test_an_unparsable_amount_is_an_inline_error(
    amount: str, bolt: SlackRequests, world: World, session: Session
) -> None:
    arrange(world)
    response = bolt.view_submission(m.CREATE_DEAL_VIEW, create_values(amount), metadata=m.metadata("", ""))
    assert response.status == 200
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and m.AMOUNT[0] in body["errors"]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Deal).where(Deal.name == "New deal")) == 0


def log_values(clock: str) -> dict:
    return {
        m.TYPE[0]: {m.TYPE[1]: {"type": "static_select", "selected_option": {"value": "call"}}},
        m.DATE[0]: {m.DATE[1]: {"type": "datepicker", "selected_date": "2026-11-23"}},
        m.TIME[0]: {m.TIME[1]: {"type": "timepicker", "selected_time": clock}},
    }


@pytest.mark.parametrize("clock", ["٣:٠٠", "25:00", "10:61", "10:00:00", "", "1:2", "²3:00"])
def test_an_unparsable_time_is_an_inline_error(clock: str, bolt: SlackRequests, world: World) -> None:
    arrange(world)
    response = bolt.view_submission(m.LOG_VIEW, log_values(clock), metadata=m.metadata("deal:d1", ""))
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and m.TIME[0] in body["errors"]


def settings_values(*, clock: str = "07:30", days: tuple[str, ...] = ("1",), tz: str = "UTC") -> dict:
    return {
        "set.digest": {"value": {"type": "checkboxes", "selected_options": [{"value": "on"}]}},
        "set.time": {"value": {"type": "timepicker", "selected_time": clock}},
        "set.weekdays": {"value": {"type": "checkboxes", "selected_options": [{"value": d} for d in days]}},
        "set.timezone": {"value": {"type": "plain_text_input", "value": tz}},
        "set.flags": {"value": {"type": "checkboxes", "selected_options": []}},
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (settings_values(clock="²3:00"), "set.time"),
        (settings_values(clock=":30"), "set.time"),
        (settings_values(clock="٠٧:٣٠"), "set.time"),
        (settings_values(days=("²",)), "set.weekdays"),
        (settings_values(days=("9" * 5000,)), "set.weekdays"),
        (settings_values(tz="Europe"), "set.timezone"),
        (settings_values(tz="a" * 5000), "set.timezone"),
        (settings_values(tz="../../etc/passwd"), "set.timezone"),
    ],
)
def test_unparsable_settings_are_inline_errors(
    values: dict, field: str, bolt: SlackRequests, world: World, session: Session
) -> None:
    arrange(world)
    response = bolt.view_submission(SETTINGS_VIEW, values, metadata='{"tab":"settings"}')
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and field in body["errors"]
    session.rollback()
    assert session.get(User, "u1").digest_time == "10:00"  # ana_world's, unchanged


# --- 6. submitted choices are checked against what the modal offered -----------------------------------


@pytest.mark.parametrize("choice", ["lp1/ls1", "p1/ls1", "nope/s1", "p1/nope"])
def test_create_deal_refuses_a_stage_the_modal_could_not_offer(
    choice: str, bolt: SlackRequests, world: World, session: Session, slack: FakeSlack
) -> None:
    arrange(world)
    values = create_values("")
    values[m.STAGE[0]][m.STAGE[1]]["selected_option"]["value"] = choice
    assert bolt.view_submission(m.CREATE_DEAL_VIEW, values, metadata=m.metadata("", "")).status == 200
    session.rollback()
    assert session.scalars(select(Deal).where(Deal.name == "New deal")).all() == []
    assert "Nothing changed" in slack.calls("chat.postMessage")[-1].params["text"]


def test_a_deal_stage_change_refuses_a_lead_stage(
    bolt: SlackRequests, world: World, session: Session
) -> None:
    arrange(world)
    values = {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "ls1"}}}}
    bolt.view_submission(m.DEAL_STAGE_VIEW, values, metadata=m.metadata("deal:d1", ""))
    session.rollback()
    assert session.get(Deal, "d1").stage_id == "s1"


# --- 7. the model's duplicates merged; the model step bounded in all --------------------------------------


def test_duplicate_goals_and_risks_from_the_model_are_shown_once(
    bolt: SlackRequests, world: World, model: FakeOpenAI
) -> None:
    arrange(world)
    goal = {"goal": "Single sign-on for all staff", "activity_ids": ["e1"]}
    risk = {"title": "Budget not approved", "detail": "No budget yet.", "activity_ids": ["e1"]}
    model.answer(
        {
            "summary": "They want SSO.",
            "risks": [risk, dict(risk, title="budget NOT approved."), dict(risk, title="Legal review")],
            "buyer_goals": [
                goal,
                dict(goal, goal="single sign-on for all staff."),
                {"goal": "SOC 2", "activity_ids": []},
            ],
        }
    )
    bolt.command("insights d1")
    [answer] = bolt.answers()
    text = texts(answer).lower()
    assert text.count("single sign-on for all staff") == 1 and "soc 2" in text
    assert text.count("budget not approved") == 1 and "legal review" in text


def test_a_model_that_never_answers_is_given_up_at_the_total_deadline(
    bolt: SlackRequests, world: World, model: FakeOpenAI
) -> None:
    arrange(world)
    settings = bolt.services.settings
    bolt.services.settings = settings.model_copy(update={"salesbot_llm_timeout_s": TIMEOUT_S})
    model.hang(seconds=30, times=10)
    started = time.monotonic()
    bolt.command("insights d1")
    elapsed = time.monotonic() - started
    [answer] = bolt.answers()
    assert "AI text is unavailable: the AI model timed out" in texts(answer)
    assert "Pricing question" in texts(answer)
    assert elapsed < 2 * TIMEOUT_S + 3.0, elapsed  # the bound itself: tests/insights/test_openai_e2e.py


@pytest.mark.parametrize("page", ["²", "٣", "9" * 300, "-1"])
def test_a_forged_home_state_falls_back_to_defaults(
    page: str, bolt: SlackRequests, world: World, slack: FakeSlack
) -> None:
    arrange(world)
    view = {"private_metadata": json.dumps({"tab": "deals", "page": page}), "blocks": []}
    home_click(bolt, view, "home.nav.category", selected="category=all_open")
    published_view = slack.calls("views.publish")[-1].params["view"]
    assert HomeState.loads(published_view["private_metadata"]).page == 0
