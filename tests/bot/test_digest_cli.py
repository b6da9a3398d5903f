"""``salesbot digest`` (preview, --json, send-due) and the scheduler's jobs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.cli.main import main
from bot.clock import DIGEST_JOB, HOUSEKEEPING_JOB, RULES_JOB, build_scheduler, digest_tick, rules_tick
from bot.slack import limits
from crm.config import Settings, get_settings
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

MONDAY_9 = "2026-11-23T09:00:00+00:00"


def run(db_url: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--database-url", db_url, *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_preview_text_and_json(world: World, db_url: str) -> None:
    world.users["u1"].slack_user_id = "UANA"
    world.contact("c1")
    world.contacts["c1"].first_name = "<!here>"
    world.task("t1", due=datetime(2026, 11, 22, 9, 0, tzinfo=UTC), contacts=["c1"])
    world.commit()
    code, out, _ = run(db_url, "digest", "--user", "ANA@acme.test", "--now", MONDAY_9)
    assert code == 0
    assert out.splitlines()[0] == "U1's day · Mon 2026-11-23"
    assert "Overdue tasks (1)" in out and "<!here>" in out  # a terminal shows the raw name
    code, out, _ = run(db_url, "digest", "--user", "ana@acme.test", "--now", MONDAY_9, "--json")
    payload = json.loads(out)
    assert set(payload) == {"channel", "text", "blocks"} and payload["channel"] == "UANA"
    limits.check_message(payload)
    assert "<!here>" not in out and "&lt;!here&gt;" in out


def test_preview_errors(world: World, db_url: str) -> None:
    world.commit()
    assert run(db_url, "digest", "--user", "nobody@acme.test")[0] == 2
    assert run(db_url, "digest")[0] == 2
    assert run(db_url, "digest", "--user", "ana@acme.test", "--now", "yesterday")[0] == 2
    assert run(db_url, "digest", "send-due", "--user", "ana@acme.test")[0] == 2


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """Settings re-read from the environment the test sets, and forgotten afterwards."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_send_due_command(
    world: World, db_url: str, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    world.users["u1"].slack_user_id = "UANA"
    world.task("t1", due=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    world.commit()
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.token)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    code, out, _ = run(db_url, "digest", "send-due", "--now", MONDAY_9)
    assert code == 0 and "1 sent" in out
    assert [m.user for m in slack.messages] == ["UANA"]


def test_send_due_without_a_token_says_so(
    world: World, db_url: str, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    world.commit()
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    code, _, err = run(db_url, "digest", "send-due")
    assert code == 2 and "SLACK_BOT_TOKEN" in err


def test_scheduler_jobs(engine: Engine, settings: Settings, client: object) -> None:
    settings = settings.model_copy(update={"salesbot_rules_every_min": 7})
    scheduler = build_scheduler(engine, client, settings)  # type: ignore[arg-type]
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {DIGEST_JOB, RULES_JOB, HOUSEKEEPING_JOB}
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1
        assert isinstance(job.trigger, IntervalTrigger)
    assert jobs[DIGEST_JOB].trigger.interval == timedelta(minutes=1)
    assert jobs[RULES_JOB].trigger.interval == timedelta(minutes=7)


def test_ticks_take_the_clock_as_a_parameter(
    world: World, engine: Engine, slack: FakeSlack, settings: Settings, client: object
) -> None:
    world.users["u1"].slack_user_id = "UANA"
    world.task("t1", due=datetime(2026, 11, 23, 10, 0, tzinfo=UTC), priority="high")
    world.commit()
    at = datetime.fromisoformat(MONDAY_9)
    report, reopened = rules_tick(engine, clock=lambda: at)
    assert report.now == at and report.created >= 1 and reopened == 0  # R13: today's high-priority tasks
    sent = digest_tick(engine, client, settings, clock=lambda: at)  # type: ignore[arg-type]
    assert sent.sent == 1
    blocks = json.dumps(slack.messages[0].blocks)
    assert "Today's high-priority tasks" in blocks


def test_each_clock_job_logs_one_info_line_with_what_it_did_and_how_long(
    world: World,
    engine: Engine,
    settings: Settings,
    client: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world.users["u1"].slack_user_id = "UANA"
    world.commit()
    at = datetime.fromisoformat(MONDAY_9)
    with caplog.at_level(logging.INFO):
        rules_tick(engine, clock=lambda: at)
        digest_tick(engine, client, settings, clock=lambda: at)  # type: ignore[arg-type]
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and "ANALYZE" not in r.msg]
    assert len(lines) == 2, lines
    assert re.fullmatch(rf"{RULES_JOB} at \S+: \d+ created, \d+ expired, \d+ reopened in \d+ ms", lines[0])
    assert re.fullmatch(rf"{DIGEST_JOB} at \S+: 2 due: 0 sent, .*; [\d.]+ s", lines[1])


def test_send_due_dry_run_lists_the_due_digests_and_sends_nothing(
    world: World, db_url: str, engine: Engine, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.users["u1"].slack_user_id = "UANA"
    world.task("t1", due=datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    world.commit()
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.token)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    code, out, _ = run(db_url, "digest", "send-due", "--dry-run", "--now", MONDAY_9)
    assert code == 0
    assert out.splitlines()[0] == f"Dry run: 2 digest(s) due at {MONDAY_9}; nothing sent"
    assert "  ana@acme.test (2026-11-23, UANA): 0 overdue · 1 due today · " in out
    assert slack.messages == [] and slack.calls("users.lookupByEmail") == []
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM digest_deliveries").scalar() == 0
    assert run(db_url, "digest", "--user", "ana@acme.test", "--dry-run")[0] == 2
