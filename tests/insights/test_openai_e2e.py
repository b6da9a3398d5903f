"""The real ``ChatOpenAI`` against a local server speaking the chat completions API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from crm.config import Settings
from insights.model import chat_model, deadline_s
from insights.service import get_insights
from tests.conftest import NOW
from tests.fakes.openai_api import FakeOpenAI
from tests.rules.world import World


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def settings_for(server: FakeOpenAI, timeout: float = 5.0) -> Settings:
    return Settings(
        openai_api_key=SecretStr("sk-test"),
        openai_base_url=server.base_url,
        salesbot_model="fake-model",
        salesbot_llm_timeout_s=timeout,
    )


def model_for(server: FakeOpenAI, timeout: float = 5.0, retries: int = 0):  # type: ignore[no-untyped-def]
    return chat_model(settings_for(server, timeout), max_retries=retries)


def test_structured_answer_goes_through_json_schema_mode(world: World, server: FakeOpenAI) -> None:
    server.answer(
        {"summary": "SSO needed.", "risks": [], "buyer_goals": [{"goal": "SSO", "activity_ids": ["e1"]}]}
    )
    result = get_insights(world.session, "d1", world.users["u1"], NOW, model=model_for(server))
    assert result.ai_used and result.summary == "SSO needed."
    request = server.requests[0]
    assert request["model"] == "fake-model"
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["name"] == "InsightOutput"
    assert "<crm_data>" in request["messages"][1]["content"]


def test_settings_build_the_model_with_timeout_and_retries(world: World, server: FakeOpenAI) -> None:
    result = get_insights(world.session, "d1", world.users["u1"], NOW, settings=settings_for(server))
    assert result.ai_used and result.summary and result.summary.startswith("Echo:")


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (lambda s: s.fail(500, times=2), "HTTP 500"),
        (lambda s: s.fail(429, times=2), "rate limited"),
        (lambda s: s.malformed(), "not valid"),
        (lambda s: s.refuse("No."), "declined"),
        (lambda s: s.answer({"summary": "x"}), "not valid"),
    ],
    ids=["500", "429", "malformed", "refusal", "schema"],
)
def test_model_failures_give_a_reason_and_keep_the_crm_parts(
    world: World,
    server: FakeOpenAI,
    script,
    reason: str,  # type: ignore[no-untyped-def]
) -> None:
    script(server)
    result = get_insights(world.session, "d1", world.users["u1"], NOW, model=model_for(server, retries=1))
    assert not result.ai_used and reason in (result.ai_unavailable_reason or "")
    assert len(result.activities) == 5 and result.risks
    assert json.dumps(result.to_json())


def test_a_hanging_model_times_out(world: World, server: FakeOpenAI) -> None:
    server.hang(3.0)
    result = get_insights(world.session, "d1", world.users["u1"], NOW, model=model_for(server, timeout=0.3))
    assert not result.ai_used and "timed out" in (result.ai_unavailable_reason or "")


def test_a_retry_after_one_500_succeeds(world: World, server: FakeOpenAI) -> None:
    server.fail(500)
    server.answer({"summary": "Fine.", "risks": [], "buyer_goals": []})
    result = get_insights(world.session, "d1", world.users["u1"], NOW, model=model_for(server, retries=1))
    assert result.summary == "Fine." and len(server.requests) == 2


def test_the_whole_model_step_ends_at_its_deadline_retries_and_back_off_included(
    world: World, server: FakeOpenAI
) -> None:
    # Seven attempts of 0.5 s and the client's back-off between them would take well over 5 s.
    server.hang(seconds=30, times=10)
    settings = settings_for(server, timeout=0.5)
    started = time.monotonic()
    result = get_insights(
        world.session,
        "d1",
        world.users["u1"],
        NOW,
        model=model_for(server, 0.5, retries=6),
        settings=settings,
    )
    elapsed = time.monotonic() - started
    assert (
        not result.ai_used
        and result.ai_unavailable_reason == "AI text is unavailable: the AI model timed out."
    )
    assert deadline_s(settings) == 1.0 and elapsed < 3.0, elapsed
