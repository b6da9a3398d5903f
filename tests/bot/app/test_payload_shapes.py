"""Signed payloads of the wrong shape get a 400 before Bolt sees them, over HTTP through the WSGI server:
every field Bolt reads to route a payload and every field a listener reads, checked by type (a number where
a string belongs, a string where an object belongs), for each kind of payload Salesbot handles."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.digest import render
from bot.runtime import Services
from tests.bot.app.test_requests import arrange, http, post
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

__all__ = ["http"]

FORM = "application/x-www-form-urlencoded"
ACTION = {"action_id": render.COMPLETE, "block_id": "a:task:t1", "type": "button", "value": "task:t1"}
CLICK: dict[str, Any] = {
    "type": "block_actions",
    "team": {"id": "T0001"},
    "user": {"id": "UANA"},
    "api_app_id": "A1",
    "trigger_id": "tr1",
    "channel": {"id": "DANA"},
    "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "DANA"},
    "message": {"ts": "1700000000.000001", "blocks": []},
    "response_url": "http://127.0.0.1:9/response/r1",
    "actions": [ACTION],
}
SNOOZE = dict(
    CLICK,
    actions=[
        {
            "action_id": render.SNOOZE,
            "block_id": "a:task:t1",
            "type": "static_select",
            "selected_option": {"value": "tomorrow"},
        }
    ],
)
HOME_CLICK = dict(
    CLICK,
    container={"type": "view", "view_id": "VHOME"},
    view={"id": "VHOME", "type": "home", "hash": "h", "callback_id": "home", "private_metadata": "{}"},
    actions=[{"action_id": "home.nav.tab.deals", "block_id": "b1", "type": "button", "value": "tab=deals"}],
)
SUBMISSION: dict[str, Any] = {
    "type": "view_submission",
    "team": {"id": "T0001"},
    "user": {"id": "UANA"},
    "api_app_id": "A1",
    "view": {
        "id": "V1",
        "type": "modal",
        "hash": "h1",
        "callback_id": "home.close_date",
        "private_metadata": "{}",
        "state": {"values": {"m.date": {"value": {"type": "datepicker", "selected_date": "2026-12-01"}}}},
    },
}
EVENT: dict[str, Any] = {
    "type": "event_callback",
    "team_id": "T0001",
    "api_app_id": "A1",
    "event_id": "EvShape",
    "event": {"type": "app_home_opened", "user": "UANA", "channel": "DANA", "tab": "messages"},
}

# (name, payload, path to a field, as JSON-ish keys and list indexes)
FIELDS: list[tuple[str, dict[str, Any], tuple[Any, ...]]] = [
    ("click", CLICK, ("user", "id")),
    ("click", CLICK, ("team",)),
    ("click", CLICK, ("channel",)),
    ("click", CLICK, ("trigger_id",)),
    ("click", CLICK, ("response_url",)),
    ("click", CLICK, ("container",)),
    ("click", CLICK, ("container", "message_ts")),
    ("click", CLICK, ("message", "ts")),
    ("click", CLICK, ("message", "blocks")),
    ("click", CLICK, ("actions", 0, "action_id")),
    ("click", CLICK, ("actions", 0, "block_id")),
    ("click", CLICK, ("actions", 0, "value")),
    ("click", CLICK, ("actions", 0)),
    ("snooze", SNOOZE, ("actions", 0, "selected_option")),
    ("snooze", SNOOZE, ("actions", 0, "selected_option", "value")),
    ("home", HOME_CLICK, ("view", "private_metadata")),
    ("home", HOME_CLICK, ("view", "type")),
    ("home", HOME_CLICK, ("view", "id")),
    ("submission", SUBMISSION, ("view", "type")),
    ("submission", SUBMISSION, ("view", "callback_id")),
    ("submission", SUBMISSION, ("view", "private_metadata")),
    ("submission", SUBMISSION, ("view", "state")),
    ("submission", SUBMISSION, ("view", "state", "values")),
    ("submission", SUBMISSION, ("view", "state", "values", "m.date")),
    ("submission", SUBMISSION, ("view", "state", "values", "m.date", "value", "selected_date")),
    ("submission", SUBMISSION, ("user",)),
    ("event", EVENT, ("event", "user")),
    ("event", EVENT, ("event", "channel")),
    ("event", EVENT, ("event", "tab")),
    ("event", EVENT, ("event", "type")),
    ("event", EVENT, ("event_id",)),
    ("event", EVENT, ("team_id",)),
    ("event", EVENT, ("authorizations",)),
]


def body_of(payload: dict[str, Any]) -> tuple[str, str]:
    if payload["type"] == "event_callback":
        return json.dumps(payload), "application/json"
    return urlencode({"payload": json.dumps(payload)}), FORM


def with_value(payload: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    node: Any = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


def test_well_shaped_payloads_pass(http: str, world: World) -> None:
    arrange(world)
    for payload in (CLICK, SNOOZE, HOME_CLICK, SUBMISSION, EVENT):
        body, content_type = body_of(payload)
        status, answer = post(http, body, content_type=content_type)
        assert status == 200, (payload["type"], answer)


@pytest.mark.parametrize(
    ("name", "payload", "path"), FIELDS, ids=[f"{n}:{'.'.join(map(str, p))}" for n, _, p in FIELDS]
)
def test_a_field_of_the_wrong_type_gets_400_before_bolt(
    name: str, payload: dict[str, Any], path: tuple[Any, ...], http: str, world: World
) -> None:
    arrange(world)
    wrong = [12345, [1, 2]] if path[-1] not in ("authorizations", "blocks") else [12345, "x"]
    for value in wrong:
        body, content_type = body_of(with_value(payload, path, value))
        status, answer = post(http, body, content_type=content_type)
        assert status == 400, (path, value, status, answer)
        assert answer["error"].startswith("malformed"), answer
    status, _ = post(http, body_of(CLICK)[0])
    assert status == 200  # the server keeps serving


def test_an_unhandled_kind_is_still_checked_for_what_bolt_reads(http: str, world: World) -> None:
    arrange(world)
    status, _ = post(http, body_of({"type": "shortcut", "user": 7, "team": {"id": "T1"}})[0])
    assert status == 400
    body = urlencode(
        {"payload": json.dumps({"type": "shortcut", "user": {"id": "UANA"}, "callback_id": "x"})}
    )
    status, _ = post(http, body)
    assert status == 404  # Bolt's answer for a kind nobody listens to


def test_a_timestamp_of_other_digits_is_refused_as_unsigned(http: str, world: World) -> None:
    arrange(world)
    body = body_of(CLICK)[0]
    for timestamp in ("²³¹", "١٧٠٠٠٠٠٠٠٠".encode().decode("latin-1"), "9" * 5000):
        request = urllib.request.Request(
            http + "/slack/events",
            data=body.encode(),
            headers={
                "Content-Type": FORM,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": "v0=00",
            },
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401, timestamp


@pytest.mark.parametrize(
    "value", ["action:²", "action:" + "9" * 20, "action:١٢", "task:" + "x" * 400, "bundle:", "nothing"]
)
def test_a_forged_item_reference_changes_nothing_and_says_so(
    value: str, http: str, world: World, slack: FakeSlack, services: Services
) -> None:
    arrange(world)
    action = dict(ACTION, value=value, block_id="b1")
    status, _ = post(http, body_of(dict(CLICK, actions=[action]))[0])
    assert status == 200
    services.join()
    told = [str(c.params.get("text")) for c in slack.calls("chat.postEphemeral")]
    told += [str(c.params.get("text")) for c in slack.calls("chat.postMessage")]
    assert told and all("Nothing changed" in t for t in told), told
