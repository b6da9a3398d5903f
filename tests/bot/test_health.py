"""``/healthz``: the database checked, the clock's last ticks reported."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from bot.clock import DIGEST_JOB, RULES_JOB, _logged
from bot.health import health, record_tick
from bot.server import SlackWSGI
from crm.db import make_engine
from tests.conftest import NOW


def test_a_clock_that_never_ticked_is_stale_but_the_web_process_is_healthy(engine: Engine) -> None:
    assert health(engine, NOW) == (200, {"ok": True, "database": "ok", "clock": {"stale": True}})


def test_the_last_ticks_are_reported_with_their_age(engine: Engine) -> None:
    record_tick(engine, DIGEST_JOB, NOW - timedelta(minutes=10), ok=True, ms=5)
    record_tick(engine, DIGEST_JOB, NOW - timedelta(seconds=30), ok=True, ms=12)
    record_tick(engine, RULES_JOB, NOW - timedelta(minutes=2), ok=False, ms=900)
    status, body = health(engine, NOW)
    assert status == 200 and body["clock"] == {
        DIGEST_JOB: {"at": "2026-11-23T11:59:30Z", "ok": True, "ms": 12, "age_s": 30},
        RULES_JOB: {"at": "2026-11-23T11:58:00Z", "ok": False, "ms": 900, "age_s": 120},
        "stale": False,
    }


def test_each_scheduled_job_records_its_tick_even_when_it_fails(engine: Engine) -> None:
    def boom() -> None:
        raise RuntimeError("no")

    _logged(RULES_JOB, boom, engine)()
    _logged(DIGEST_JOB, lambda: None, engine)()
    clock = health(engine, NOW + timedelta(days=3650))[1]["clock"]
    assert clock[RULES_JOB]["ok"] is False and clock[DIGEST_JOB]["ok"] is True


def test_an_unreachable_database_answers_503() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    status, body = health(engine, NOW)
    assert status == 503 and body["ok"] is False and body["database"].startswith("unreachable: ")


def test_the_route_answers_with_the_check(engine: Engine) -> None:
    from slack_bolt import App

    app = App(signing_secret="x", token="xoxb-x", token_verification_enabled=False)
    wsgi = SlackWSGI(app, "x", health=lambda: health(engine, NOW))
    started: list[Any] = []
    environ = {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    body = b"".join(wsgi(environ, lambda status, headers: started.append(status)))
    assert started == ["200 OK"]
    assert json.loads(body)["database"] == "ok"
