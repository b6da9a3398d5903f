"""``salesbot serve`` and ``salesbot socket`` refuse clearly, before listening, when Slack is not set up."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bot.cli.main import main
from crm.config import get_settings

SLACK_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_APP_TOKEN",
)


@pytest.fixture
def no_slack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(db_url: str, *argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = main(["--database-url", db_url, *argv], out=io.StringIO(), err=err)
    return code, err.getvalue()


@pytest.mark.parametrize(
    ("env", "command", "says"),
    [
        ({}, "serve", "SLACK_SIGNING_SECRET is not set"),
        ({"SLACK_SIGNING_SECRET": "s"}, "serve", "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_CLIENT_ID": "1.2"}, "serve", "SLACK_CLIENT_SECRET is not set"),
        ({"SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-1"}, "socket", "SLACK_APP_TOKEN is not set"),
    ],
)
def test_serve_and_socket_say_what_is_missing(
    no_slack: None, monkeypatch: pytest.MonkeyPatch, db_url: str, env: dict[str, str], command: str, says: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, err = run(db_url, command)
    assert code == 2
    assert says in err
