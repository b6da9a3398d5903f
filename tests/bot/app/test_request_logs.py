"""The logs of a full app run: one INFO line per handled request, the JSON form, and no secret anywhere."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from bot import logs
from bot.app import build_app
from bot.runtime import Services
from tests.bot.app.conftest import SECRET, SlackRequests, send_digest
from tests.bot.app.test_sales_command import arrange
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

OPENAI_KEY = "sk-planted-openai-key-0123456789"
EMAIL_BODY = "PLANTED-BODY-the-buyer-wrote-this"


@pytest.fixture
def model() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    text, as_json = io.StringIO(), io.StringIO()
    handler = logs.configure(logs.LogOptions(verbose=True), stream=text, command="serve")
    second = logging.StreamHandler(as_json)
    second.setFormatter(logs.JsonFormatter())
    second.addFilter(logs.RedactSecrets())
    logging.getLogger().addHandler(second)
    yield text, as_json
    logging.getLogger().removeHandler(handler)
    logging.getLogger().removeHandler(second)


def test_a_full_run_logs_one_line_per_request_and_no_secret(
    engine: Engine,
    slack: FakeSlack,
    model: FakeOpenAI,
    services: Services,
    world: World,
    captured: tuple[io.StringIO, io.StringIO],
) -> None:
    services.settings = services.settings.model_copy(
        update={
            "openai_api_key": SecretStr(OPENAI_KEY),
            "openai_base_url": model.base_url,
            "salesbot_model": "fake-model",
        }
    )
    bolt = SlackRequests(build_app(services), services, slack)
    arrange(world)
    world.email("e9", deals=["d1"], contacts=["c1"], subject="Budget", body=EMAIL_BODY)
    world.commit()
    model.answer({"summary": "They want SSO.", "risks": [], "buyer_goals": []})

    bolt.command("help")
    bolt.command("insights Globex renewal")
    bolt.event({"type": "app_home_opened", "user": "UANA", "tab": "home"}, event_id="Ev9")
    bolt.click(send_digest(engine, slack, services), "digest.complete", "task:t1")
    services.shutdown()  # every piece of work after the acks has finished

    text, as_json = (stream.getvalue() for stream in captured)
    lines = [line for line in text.splitlines() if "slack request" in line]
    assert len(lines) == 4, text
    assert "kind=command what=/sales help user=UANA team=T0001 outcome=200" in lines[0]
    assert "kind=command what=/sales insights" in lines[1]
    assert "kind=event what=app_home_opened user=UANA team=T0001 outcome=200" in lines[2]
    assert "kind=action what=digest.complete user=UANA" in lines[3]
    records = [json.loads(line) for line in as_json.splitlines()]
    requests = [r for r in records if r["logger"] == "bot.requests"]
    assert [r["kind"] for r in requests] == ["command", "command", "event", "action"]
    assert all(isinstance(r["ms"], int) and r["outcome"] == "200" for r in requests)
    assert len(model.requests) == 1  # the model saw the email body; the logs must not
    for secret in (OPENAI_KEY, slack.token, SECRET, EMAIL_BODY, "ana@"):
        assert secret not in text and secret not in as_json, secret


def test_tokens_are_redacted_even_when_code_logs_them(captured: tuple[io.StringIO, io.StringIO]) -> None:
    logging.getLogger("bot.test").warning("calling with xoxb-123-456-abc and %s", "Bearer sk-abcdefghijkl")
    text, as_json = (stream.getvalue() for stream in captured)
    assert "xoxb-123" not in text and "sk-abcdefghijkl" not in text and text.count("[redacted]") == 2
    assert "xoxb-123" not in as_json


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["-v", "rules", "run"], (True, False, "text")),
        (["rules", "run", "-v"], (True, False, "text")),
        (["rules", "-q", "run", "--log-format", "json"], (False, True, "json")),
        (["--log-format=json", "clock"], (False, False, "json")),
        (["import", "--", "-v"], (False, False, "text")),
    ],
)
def test_logging_options_are_accepted_anywhere(argv: list[str], expected: tuple[bool, bool, str]) -> None:
    options, rest = logs.split_arguments(argv)
    assert (options.verbose, options.quiet, options.format) == expected
    before_dashes = rest[: rest.index("--")] if "--" in rest else rest
    assert not {"-v", "-q", "--log-format", "json", "--log-format=json"} & set(before_dashes)


def test_services_log_at_info_by_default_and_libraries_only_warn() -> None:
    assert logs.level_for(logs.LogOptions(), "clock") == logging.INFO
    assert logs.level_for(logs.LogOptions(), "digest") == logging.WARNING
    assert logs.level_for(logs.LogOptions(quiet=True), "serve") == logging.WARNING
    logs.configure(logs.LogOptions(verbose=True), stream=io.StringIO(), command="clock")
    assert logging.getLogger("apscheduler").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("bot.clock").getEffectiveLevel() == logging.DEBUG


def test_waitress_queue_warnings_are_held_to_one_every_few_seconds(
    captured: tuple[io.StringIO, io.StringIO],
) -> None:
    """A burst of clicks queues a request behind busy threads hundreds of times: one line says so, then one
    per ``QUEUE_WARNING_EVERY_S`` with how many were held back; other warnings pass untouched."""
    now = [100.0]
    queue_log = logging.getLogger("waitress.queue")
    (installed,) = [f for f in queue_log.filters if isinstance(f, logs.EveryFewSeconds)]
    queue_log.removeFilter(installed)
    queue_log.addFilter(logs.EveryFewSeconds(logs.QUEUE_WARNING_EVERY_S, clock=lambda: now[0]))
    for depth in range(1, 201):
        queue_log.warning("Task queue depth is %d", depth)
        now[0] += 0.01
    logging.getLogger("waitress").warning("another warning")
    now[0] = 100.0 + logs.QUEUE_WARNING_EVERY_S + 1
    queue_log.warning("Task queue depth is %d", 3)
    lines = [line for line in captured[0].getvalue().splitlines() if "waitress" in line]
    assert [line.split(" ", 4)[-1] for line in lines] == [
        "Task queue depth is 1",
        "another warning",
        f"Task queue depth is 3 (199 more such warnings held back in {logs.QUEUE_WARNING_EVERY_S + 1:.0f} s)",
    ]
    logs.configure(logs.LogOptions(), stream=io.StringIO(), command="serve")  # configured again: one filter
    assert len([f for f in queue_log.filters if isinstance(f, logs.EveryFewSeconds)]) == 1
