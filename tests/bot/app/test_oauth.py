"""Installing the app in another workspace with OAuth: the install page, the redirect storing the
installation in our database, and requests from that workspace answered with its own token."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bot.app import build_app
from bot.digest import render
from bot.runtime import Services
from bot.server import SlackWSGI
from crm.models import Activity
from tests.bot.app.conftest import SECRET, SlackRequests, ana_world, wsgi_server
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

CLIENT = ("1111.2222", "client-secret")


@pytest.fixture
def oauth_app(engine: Engine, slack: FakeSlack, services: Services) -> Iterator[tuple[SlackRequests, str]]:
    slack.oauth_client = CLIENT
    services.settings = services.settings.model_copy(
        update={
            "slack_bot_token": None,
            "slack_client_id": CLIENT[0],
            "slack_client_secret": SecretStr(CLIENT[1]),
        }
    )
    app = build_app(services)
    with wsgi_server(SlackWSGI(app, SECRET)) as host:
        yield SlackRequests(app, services, slack), host


def get(host: str, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    return connection.getresponse()


def test_install_then_requests_from_the_new_workspace_use_its_token(
    oauth_app: tuple[SlackRequests, str], world: World, session: Session, slack: FakeSlack
) -> None:
    bolt, host = oauth_app
    ana_world(world)
    world.task("t1", due=NOW - timedelta(days=1))
    world.commit()

    page = get(host, "/slack/install")
    assert page.status == 200
    html = page.read().decode()
    state = re.search(r"state=([\w-]+)", html)
    assert state is not None and "client_id=1111.2222" in html
    cookie = page.getheader("Set-Cookie", "").split(";")[0]
    assert session.execute(text("SELECT count(*) FROM slack_oauth_states")).scalar() == 1

    slack.oauth_codes.add("code-1")
    done = get(host, f"/slack/oauth_redirect?code=code-1&state={state.group(1)}", cookie)
    assert done.status == 200, done.read()
    session.rollback()
    row = session.execute(text("SELECT team_id, bot_token, bot_user_id FROM slack_installations")).one()
    assert tuple(row) == ("T0002", slack.token, "UBOT")

    message_click = {
        "type": "block_actions",
        "team": {"id": "T0002"},
        "user": {"id": "UANA", "team_id": "T0002"},
        "api_app_id": "A0001",
        "channel": {"id": "DANA"},
        "container": {"type": "message", "message_ts": "1.0"},
        "actions": [
            {"action_id": render.COMPLETE, "block_id": "a:task:t1", "value": "task:t1", "type": "button"}
        ],
    }
    assert bolt.interactive(message_click).status == 200
    session.rollback()
    assert session.get(Activity, "t1").status == "completed"


def test_a_redirect_with_a_forged_state_installs_nothing(
    oauth_app: tuple[SlackRequests, str], session: Session, slack: FakeSlack
) -> None:
    _, host = oauth_app
    slack.oauth_codes.add("code-2")
    answer = get(host, "/slack/oauth_redirect?code=code-2&state=forged-state")
    assert answer.status in (400, 401, 403)
    assert session.execute(text("SELECT count(*) FROM slack_installations")).scalar() == 0
