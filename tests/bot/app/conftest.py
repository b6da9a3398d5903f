"""The real Bolt app, built by ``bot.app.build_app``, against the local Slack Web API fake.

``SlackRequests`` signs payloads with the app's signing secret and dispatches them through Bolt (signature
verification included), then waits for the work the listeners handed over after their ack.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot.app import build_app
from bot.digest.delivery import send_due
from bot.runtime import Services
from bot.slack.client import delivery_client
from crm.config import Settings
from tests.conftest import NOW
from tests.fakes.handoff import round_trip
from tests.fakes.slack_api import FakeSlack, Message
from tests.rules.world import World

SECRET = "s3cret"


def element_action(
    action_id: str, *, value: str | None = None, selected: str | None = None, block_id: str = "b1"
) -> dict[str, Any]:
    """One entry of a block_actions payload's ``actions``: a button's ``value`` or a menu's ``selected``."""
    if selected is not None:
        return {
            "action_id": action_id,
            "block_id": block_id,
            "type": "static_select",
            "selected_option": {"value": selected},
        }
    return {"action_id": action_id, "block_id": block_id, "type": "button", "value": value}


class SlackRequests:
    def __init__(self, app: App, services: Services, slack: FakeSlack) -> None:
        self.app = app
        self.services = services
        self.slack = slack
        self.verifier = SignatureVerifier(SECRET)

    def signed(
        self, body: str, *, secret: str = SECRET, age_s: int = 0, content_type: str | None = None
    ) -> BoltRequest:
        # Bolt checks the timestamp against the wall clock (Slack's 5-minute window): sign with it.
        timestamp = str(int(time.time()) - age_s)
        signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
        headers = {
            "content-type": [content_type or "application/x-www-form-urlencoded"],
            "x-slack-request-timestamp": [timestamp],
            "x-slack-signature": [signature],
        }
        return BoltRequest(body=body, headers=headers)

    def dispatch(self, request: BoltRequest) -> BoltResponse:
        response = self.app.dispatch(request)
        self.services.join()
        return response

    def interactive(self, payload: dict[str, Any], **kwargs: Any) -> BoltResponse:
        return self.dispatch(self.signed(urlencode({"payload": json.dumps(payload)}), **kwargs))

    def event(
        self, event: dict[str, Any], *, event_id: str = "Ev1", retry: int | None = None
    ) -> BoltResponse:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": "T0001",
                "api_app_id": "A1",
                "event": event,
                "event_id": event_id,
            }
        )
        request = self.signed(body, content_type="application/json")
        if retry is not None:
            request.headers["x-slack-retry-num"] = [str(retry)]
            request.headers["x-slack-retry-reason"] = ["http_timeout"]
        return self.dispatch(request)

    def command(self, text: str, *, user: str = "UANA", channel: str = "C0SALES") -> BoltResponse:
        body = urlencode(
            {
                "command": "/sales",
                "text": text,
                "user_id": user,
                "team_id": "T0001",
                "channel_id": channel,
                "trigger_id": "trigger-cmd",
                "response_url": self.slack.response_url("cmd"),
            }
        )
        return self.dispatch(self.signed(body))

    def answers(self) -> list[dict[str, Any]]:
        """What was posted to response URLs, oldest first."""
        return [r.params for r in self.slack.calls("response_url")]

    # --- payloads -------------------------------------------------------------------------------------

    def click(
        self,
        message: Message,
        action_id: str,
        ref: str,
        *,
        user: str = "UANA",
        selected: str | None = None,
        value: str | None = None,
        block_id: str | None = None,
    ) -> BoltResponse:
        """A click on the line ``ref`` of a digest ``message``: a button carries ``value`` (the ref unless
        given), a menu its ``selected`` option and the line's block id."""
        action: dict[str, Any] = {
            "action_id": action_id,
            "block_id": block_id or f"a:{ref}",
            "type": "button",
        }
        if selected is not None:
            action.update(type="static_select", selected_option={"value": selected})
        else:
            action["value"] = ref if value is None else value
        payload = {
            "type": "block_actions",
            "team": {"id": "T0001"},
            "user": {"id": user},
            "api_app_id": "A1",
            "trigger_id": "trigger-1",
            "channel": {"id": message.channel},
            "container": {"type": "message", "message_ts": message.ts, "channel_id": message.channel},
            "message": {"ts": message.ts, "blocks": message.blocks},
            "response_url": self.slack.response_url(),
            "actions": [action],
        }
        return self.interactive(payload)

    def view_submission(
        self, callback_id: str, values: dict[str, Any], *, metadata: str = "", user: str = "UANA"
    ) -> BoltResponse:
        payload = {
            "type": "view_submission",
            "team": {"id": "T0001"},
            "user": {"id": user},
            "api_app_id": "A1",
            "view": {
                "id": "V0001",
                "type": "modal",
                "hash": "h1",
                "callback_id": callback_id,
                "private_metadata": metadata,
                "state": {"values": values},
            },
        }
        return self.interactive(payload)

    def message_click(
        self, action_id: str, *, value: str | None = None, selected: str | None = None, user: str = "UANA"
    ) -> BoltResponse:
        """A click on an ephemeral answer (no stored message): a button ``value`` or a menu ``selected``."""
        action = element_action(action_id, value=value, selected=selected)
        payload = {
            "type": "block_actions",
            "team": {"id": "T0001"},
            "user": {"id": user},
            "trigger_id": "trigger-3",
            "channel": {"id": "C0SALES"},
            "container": {"type": "message", "message_ts": "1700000001.000001", "is_ephemeral": True},
            "response_url": self.slack.response_url("click"),
            "actions": [action],
        }
        return self.interactive(payload)

    def view_action(
        self, view: dict[str, Any], action_id: str, value: str, *, user: str = "UANA"
    ) -> BoltResponse:
        payload = {
            "type": "block_actions",
            "team": {"id": "T0001"},
            "user": {"id": user},
            "api_app_id": "A1",
            "trigger_id": "trigger-2",
            "container": {"type": "view", "view_id": "V0001"},
            "view": {"id": "V0001", "type": "modal", "hash": "h2", **view},
            "actions": [
                {"action_id": action_id, "block_id": "queue.buttons", "value": value, "type": "button"}
            ],
        }
        return self.interactive(payload)


@pytest.fixture
def clock() -> list[datetime]:
    """The app's clock: tests move it by assigning ``clock[0]``."""
    return [NOW]


@pytest.fixture
def services(engine: Engine, slack: FakeSlack, clock: list[datetime]) -> Iterator[Services]:
    settings = Settings(slack_bot_token=slack.token, slack_api_url=slack.url, slack_signing_secret=SECRET)
    s = round_trip(Services(engine=engine, settings=settings, clock=lambda: clock[0]))
    yield s
    s.shutdown()


@pytest.fixture
def bolt(services: Services, slack: FakeSlack) -> SlackRequests:
    return SlackRequests(build_app(services), services, slack)


def send_digest(engine: Engine, slack: FakeSlack, services: Services, at: datetime = NOW) -> Message:
    """Send ana's digest through the real delivery path and return the message Slack stored."""
    report = send_due(engine, delivery_client(settings=services.settings), at)
    assert report.sent >= 1, report
    return [m for m in slack.messages if m.channel == "DANA"][-1]


def ana_world(world: World) -> World:
    """Ana (u1, Slack UANA) with a digest due at 10:00 UTC (within the late window at ``NOW``, 12:00); Bo
    (u2, Slack UBO) is her teammate."""
    world.users["u1"].slack_user_id = "UANA"
    world.users["u2"].slack_user_id = "UBO"
    world.users["u1"].digest_time = "10:00"
    world.users["u2"].digest_enabled = False
    return world


def day_before() -> datetime:
    return NOW - timedelta(days=1)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def wsgi_server(app: Any) -> Iterator[str]:
    """Serve a WSGI application on a free loopback port (the stdlib server, stopped cleanly); yields
    ``host:port``. Production serves the same application with waitress (``salesbot serve``)."""
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
