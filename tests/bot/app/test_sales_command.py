"""``/sales`` and the deal-insights answers, through the real app, with the real ``ChatOpenAI`` talking to
a local model server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.app import build_app
from bot.blocks import insights as ib
from bot.blocks.sales import PICK_DEAL
from bot.digest import render
from bot.runtime import Services
from crm.models import InsightFeedback
from tests.bot.app.conftest import SlackRequests, ana_world
from tests.conftest import NOW
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_channels import Channel
from tests.rules.world import World, ago


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def bolt(engine: Engine, slack: FakeSlack, model: FakeOpenAI, services: Services) -> SlackRequests:
    settings = services.settings.model_copy(
        update={
            "openai_api_key": SecretStr("sk-test"),
            "openai_base_url": model.base_url,
            "salesbot_model": "fake-model",
            "salesbot_llm_timeout_s": 2.0,
        }
    )
    services.settings = settings
    return SlackRequests(build_app(services), services, slack)


def arrange(world: World) -> World:
    ana_world(world)
    world.contact("c1", owner="u1")
    world.deal("d1", owner="u1", contacts=["c1"]).name = "Globex renewal"
    world.deal("d2", owner="u1").name = "Globex expansion"
    world.deal("d3", owner="u2").name = "Initech pilot"  # bo's: ana may not see it
    world.email("e1", deals=["d1"], contacts=["c1"], subject="Pricing question", body="Can we get SSO?")
    world.task("t1", due=NOW - timedelta(days=1))
    world.commit()
    return world


def texts(payload: dict) -> str:
    return json.dumps(payload.get("blocks", []), ensure_ascii=False)


def button(payload: dict, action_id: str) -> dict:
    for block in payload["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button")


def test_help_and_unknown_subcommands_answer_with_the_usage_in_the_ack(
    bolt: SlackRequests, world: World
) -> None:
    arrange(world)
    for text in ("", "help", "frobnicate now"):
        response = bolt.command(text)
        assert response.status == 200
        body = json.loads(response.body)
        assert body["response_type"] == "ephemeral" and "/sales insights" in json.dumps(body)
    assert "frobnicate" in json.loads(bolt.command("frobnicate").body)["blocks"][0]["text"]["text"]
    assert bolt.answers() == []


def test_tasks_and_digest_answer_privately(bolt: SlackRequests, world: World) -> None:
    arrange(world)
    bolt.command("tasks overdue")
    bolt.command("digest")
    bolt.command("tasks someday")
    overdue, digest, wrong = bolt.answers()
    assert overdue["response_type"] == "ephemeral" and "*Overdue tasks* (1)" in texts(overdue)
    assert button(overdue, render.COMPLETE)["value"] == "task:t1"
    assert "s day" in digest["text"] and "task:t1" in texts(digest)
    assert "Tasks for when?" in texts(wrong)


def test_insights_by_name_uses_the_model_and_the_buttons_work(
    bolt: SlackRequests, world: World, session: Session, model: FakeOpenAI, slack: FakeSlack
) -> None:
    arrange(world)
    model.answer(
        {"summary": "They want SSO.", "risks": [], "buyer_goals": [{"goal": "SSO", "activity_ids": ["e1"]}]}
    )
    assert bolt.command("insights globex RENEWAL").status == 200
    [answer] = bolt.answers()
    assert "Insights: Globex renewal" in texts(answer) and "They want SSO." in texts(answer)
    assert len(model.requests) == 1

    value = button(answer, ib.HELPFUL)["value"]
    bolt.message_click(ib.HELPFUL, value=value)
    session.rollback()
    [feedback] = session.scalars(select(InsightFeedback)).all()
    assert (feedback.deal_id, feedback.user_id, feedback.helpful) == ("d1", "u1", True)
    assert feedback.inputs_hash == json.loads(value)["h"]

    bolt.message_click(ib.NOT_HELPFUL, value=value)
    modal = slack.calls("views.open")[-1].params["view"]
    assert modal["callback_id"] == ib.FEEDBACK_CALLBACK
    bolt.view_submission(
        ib.FEEDBACK_CALLBACK,
        {
            ib.FEEDBACK_BLOCK: {
                ib.FEEDBACK_INPUT: {"type": "plain_text_input", "value": "Missed the budget call"}
            }
        },
        metadata=modal["private_metadata"],
    )
    session.rollback()
    assert [
        f.comment for f in session.scalars(select(InsightFeedback).where(InsightFeedback.helpful.is_(False)))
    ] == ["Missed the budget call"]

    bolt.message_click(ib.OPEN_ACTIVITY, value=button(answer, ib.OPEN_ACTIVITY)["value"])
    assert "Can we get SSO?" in json.dumps(slack.calls("views.update")[-1].params["view"])
    bolt.message_click(ib.OPEN_ACTIVITY, value=ib.open_value("d1", "t-of-someone-else"))
    assert "You may not view that activity." in json.dumps(slack.calls("views.update")[-1].params["view"])

    bolt.message_click(ib.COPY_TEXT, value=value)
    assert "Globex renewal" in json.dumps(slack.calls("views.update")[-1].params["view"])
    assert len(model.requests) == 1  # served from the cache

    slack.channels["C0SALES"] = Channel(members=["UANA", "UBOT"])  # Ana alone reads it: shared in full
    bolt.message_click(ib.SHARE, value=value)
    shared = slack.calls("chat.postMessage")[-1].params
    assert shared["channel"] == "C0SALES" and "They want SSO." in json.dumps(shared["blocks"])

    model.answer({"summary": "Fresh look.", "risks": [], "buyer_goals": []})
    bolt.message_click(ib.REFRESH, value=value)
    refreshed = bolt.answers()[-1]
    assert refreshed["replace_original"] is True and "Fresh look." in texts(refreshed)
    assert len(model.requests) == 2


def test_an_ambiguous_name_offers_a_picker_of_visible_deals_only(
    bolt: SlackRequests, world: World, model: FakeOpenAI
) -> None:
    arrange(world)
    world.deals["d3"].name = "Globex pilot (bo)"
    world.commit()
    bolt.command("insights globex")
    [picker] = bolt.answers()
    options = [o["value"] for o in button(picker, PICK_DEAL)["options"]]
    assert options == ["d2", "d1"]  # by name; bo's deal is not offered

    bolt.message_click(PICK_DEAL, selected="d2")
    chosen = bolt.answers()[-1]
    assert chosen["replace_original"] is True and "Insights: Globex expansion" in texts(chosen)


def test_a_hidden_deal_and_a_missing_one_get_the_same_answer(
    bolt: SlackRequests, world: World, model: FakeOpenAI
) -> None:
    arrange(world)
    bolt.command("insights d3")  # bo's deal, by id
    bolt.command("insights Initech pilot")  # and by name
    bolt.command("insights nothing-like-it")
    answers = bolt.answers()
    for query, answer in zip(("d3", "Initech pilot", "nothing-like-it"), answers, strict=True):
        assert texts(answer).replace(query, "Q") == texts(answers[2]).replace("nothing-like-it", "Q")
        assert "No deal you can see matches" in texts(answer)
    bolt.message_click(PICK_DEAL, selected="d3")  # a forged pick
    assert ib.NOT_ALLOWED in texts(bolt.answers()[-1])
    assert model.requests == []


def test_when_the_model_times_out_the_crm_parts_still_arrive(
    bolt: SlackRequests, world: World, model: FakeOpenAI
) -> None:
    arrange(world)
    world.deals["d1"].close_date = (NOW - timedelta(days=3)).date()
    world.email("e2", deals=["d1"], contacts=["c1"], sent=ago(days=20))
    world.commit()
    model.hang(seconds=5, times=3)
    bolt.command("insights d1")
    [answer] = bolt.answers()
    assert "AI text is unavailable" in texts(answer)
    assert "Pricing question" in texts(answer)  # a recent activity, from the CRM


def test_an_unmapped_slack_user_gets_no_data(bolt: SlackRequests, world: World, slack: FakeSlack) -> None:
    arrange(world)
    bolt.command("insights d1", user="USTRANGER")
    bolt.command("tasks", user="USTRANGER")
    told = [r.params["text"] for r in slack.calls("chat.postEphemeral")]
    assert len(told) == 2 and all(t.startswith("Your Slack account is not linked") for t in told)
    assert bolt.answers() == []
