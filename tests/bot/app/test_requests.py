"""Request safety: signatures, malformed payloads, retried events, and acks that never wait for the
database."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.app import build_app
from bot.digest import render
from bot.runtime import Services
from bot.server import SlackWSGI
from crm.db import make_engine
from crm.models import Activity, SlackEvent, SlackIdentity
from tests.bot.app.conftest import SECRET, SlackRequests, ana_world, send_digest, wsgi_server
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World


def arrange(world: World) -> None:
    ana_world(world)
    world.task("t1", due=NOW - timedelta(days=1))
    world.commit()


def click_body(ref: str = "task:t1", channel: str = "DANA", ts: str = "1700000000.000001") -> str:
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": "UANA"},
        "channel": {"id": channel},
        "container": {"type": "message", "message_ts": ts},
        "actions": [{"action_id": render.COMPLETE, "block_id": f"a:{ref}", "value": ref, "type": "button"}],
    }
    return urlencode({"payload": json.dumps(payload)})


@pytest.mark.parametrize("how", ["wrong secret", "stale timestamp", "unsigned", "body changed after signing"])
def test_forged_stale_or_unsigned_requests_get_401_and_change_nothing(
    how: str, world: World, session: Session, bolt: SlackRequests
) -> None:
    arrange(world)
    body = click_body()
    if how == "wrong secret":
        request = bolt.signed(body, secret="not-the-secret")
    elif how == "stale timestamp":
        request = bolt.signed(body, age_s=6 * 60)
    elif how == "unsigned":
        request = bolt.signed(body)
        request.headers.pop("x-slack-signature")
        request.headers.pop("x-slack-request-timestamp")
    else:
        request = bolt.signed(body)
        request.raw_body = click_body("task:t2")
    response = bolt.dispatch(request)
    assert response.status == 401
    session.rollback()
    assert session.get(Activity, "t1").status == "not_started"


def test_a_retried_event_does_not_repeat_its_effects(
    world: World, session: Session, bolt: SlackRequests
) -> None:
    arrange(world)
    event = {"type": "app_home_opened", "user": "UANA", "channel": "DANA1", "tab": "messages"}
    assert bolt.event(event, event_id="Ev42").status == 200
    session.rollback()
    identity = session.get(SlackIdentity, "u1")
    assert identity is not None and identity.dm_channel == "DANA1"
    identity.dm_channel = "DMOVED"
    session.commit()

    assert bolt.event(event, event_id="Ev42", retry=1).status == 200
    assert bolt.event(event, event_id="Ev42", retry=2).status == 200

    session.rollback()
    assert session.get(SlackIdentity, "u1").dm_channel == "DMOVED"
    assert session.scalar(select(func.count()).select_from(SlackEvent)) == 1


def test_a_click_acks_while_the_database_is_locked_and_the_work_follows(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    message = send_digest(engine, slack, bolt.services)
    if engine.dialect.name == "sqlite":
        blocker = engine.raw_connection()
        blocker.cursor().execute("BEGIN EXCLUSIVE")
    else:
        blocker = engine.raw_connection()
        blocker.cursor().execute("LOCK TABLE activities IN ACCESS EXCLUSIVE MODE")
    try:
        request = bolt.signed(click_body(channel=message.channel, ts=message.ts))
        response = bolt.app.dispatch(request)  # no join: the work is still waiting for the lock
        assert response.status == 200
        assert slack.calls("chat.update") == []
    finally:
        blocker.rollback()
        blocker.close()
    bolt.services.join()
    session.rollback()
    assert session.get(Activity, "t1").status == "completed"
    assert len(slack.calls("chat.update")) == 1


def test_a_click_acks_when_the_database_is_down_and_the_user_is_told(
    world: World, engine: Engine, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    down = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/nowhere?connect_timeout=1")
    settings = bolt.services.settings
    services = Services(engine=down, settings=settings, clock=lambda: NOW)
    broken = SlackRequests(build_app(services), services, slack)
    try:
        response = broken.dispatch(broken.signed(click_body()))
    finally:
        services.shutdown()
    assert response.status == 200
    [told] = slack.calls("chat.postEphemeral")
    assert told.params["user"] == "UANA" and "something went wrong" in told.params["text"]


# --- over HTTP, through the WSGI server ---------------------------------------------------------------


@pytest.fixture
def http(services: Services, slack: FakeSlack) -> Iterator[str]:
    with wsgi_server(SlackWSGI(build_app(services), SECRET)) as host:
        yield f"http://{host}"


def post(
    url: str, body: str, *, content_type: str = "application/x-www-form-urlencoded", sign: bool = True
) -> tuple[int, dict]:
    timestamp = str(int(time.time()))
    headers = {"Content-Type": content_type}
    if sign:
        headers["X-Slack-Request-Timestamp"] = timestamp
        headers["X-Slack-Signature"] = SignatureVerifier(SECRET).generate_signature(
            timestamp=timestamp, body=body
        )
    request = urllib.request.Request(
        url + "/slack/events", data=body.encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read().decode()
            return response.status, json.loads(text) if text.startswith("{") else {"text": text}
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read().decode() or "{}")


MALFORMED = {
    "not json": ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    "json body not json": ("{oops", "application/json"),
    "no payload": ("hello=world", "application/x-www-form-urlencoded"),
    "actions not a list": (
        urlencode({"payload": '{"type":"block_actions","user":{"id":"U1"},"actions":"x"}'}),
        "application/x-www-form-urlencoded",
    ),
    "user not an object": (
        urlencode({"payload": '{"type":"block_actions","user":"U1","actions":[{"action_id":"a"}]}'}),
        "application/x-www-form-urlencoded",
    ),
    "event without id": ('{"type":"event_callback","event":{"type":"app_home_opened"}}', "application/json"),
    "command without user": ("command=%2Fsales&text=help", "application/x-www-form-urlencoded"),
    "payload not an object": ("payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
}


def test_malformed_payloads_get_a_clear_400_and_the_server_keeps_serving(
    http: str, world: World, session: Session
) -> None:
    arrange(world)
    for name, (body, content_type) in MALFORMED.items():
        status, answer = post(http, body, content_type=content_type)
        assert status == 400, name
        assert answer["error"], name
    status, _ = post(http, click_body())
    assert status == 200
    status, _ = post(http, click_body(), sign=False)
    assert status == 401
    with urllib.request.urlopen(http + "/healthz", timeout=5) as response:
        assert response.status == 200
