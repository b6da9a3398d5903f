"""The front reads a request's body once, by Bolt's rules, checks it, and gives Bolt what it checked.

``bot.payloads.read`` must read every body exactly as Bolt's ``parse_body`` would (its fast path for a click's
form included); over HTTP, a form that names ``payload`` twice is checked and answered by the same field.
"""

from __future__ import annotations

import json
import random
import string
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

import pytest
from slack_bolt.request.internals import parse_body

from bot import payloads
from tests.bot.app.test_payload_shapes import CLICK, body_of
from tests.bot.app.test_requests import arrange, http, post
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

__all__ = ["http"]

FORM = "application/x-www-form-urlencoded"
# What a payload's strings may hold: what needs escaping in a form, what JSON escapes, and beyond ASCII.
ALPHABET = string.ascii_letters + string.digits + " &=%+;\\/\"'{}[]:,\n\t<>?#" + "éü€😀中"


def _text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, size)))


def _payload(rng: random.Random) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": _text(rng, 12)},
        "actions": [{"action_id": _text(rng, 20), "value": _text(rng, 80)}],
        "team": {"id": "T1"},
    }


@pytest.mark.parametrize("seed", range(4))
def test_a_click_body_reads_as_bolt_reads_it(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(250):
        payload = _payload(rng)
        text = json.dumps(payload, ensure_ascii=rng.random() < 0.5)
        assert payloads._only_payload(urlencode({"payload": text})) == text  # the fast path, taken
        for body in (
            urlencode({"payload": text}),  # what Slack sends: spaces as +
            "payload=" + quote(text, safe=""),  # spaces as %20
            "payload=" + quote(text, safe="{}:,\"'[]"),  # some characters left bare
        ):
            data, reason = payloads.read(body, FORM)
            assert reason is None, body
            assert data == parse_body(body, FORM) == payload


@pytest.mark.parametrize(
    "body",
    [
        "payload=%7B%22type%22%3A%22block_actions%22%7D%zz",  # a malformed escape: kept as it is
        "payload=%7B%22type%22%3A%22x%22%2C%22v%22%3A%22%C3%28%22%7D",  # not UTF-8: replaced
        "payload=%7B%22type%22%3A%22x%22%2C%22v%22%3A%22a%5Cb%22%7D%",  # a lone % at the end
        'payload={"type":"x","v":"a\\\\b"}',  # a bare backslash
        "payload=%7B%22type%22%3A%22x%22%7D&other=1",  # another field
        "other=1&payload=%7B%22type%22%3A%22x%22%7D",
        "payload=" + quote_plus(json.dumps({"type": "x", "v": "é"})),
        "payload=%7B%22type%22%3A%22x%22%2C%22v%22%3A%22%e2%82%ac%22%7D",  # lower-case hex
    ],
)
def test_unusual_forms_read_as_bolt_reads_them(body: str) -> None:
    try:
        expected = parse_body(body, FORM)
    except json.JSONDecodeError:
        assert payloads.read(body, FORM) == (None, "the payload is not valid JSON")
        return
    field = dict(parse_qsl(body, keep_blank_values=True)).get("payload")
    assert payloads._only_payload(body) in (None, field)
    data, reason = payloads.read(body, FORM)
    assert (data, reason) == (expected, None) or (data is None and reason is not None)
    if data is None:  # refused: what Bolt would have read is not a payload Salesbot accepts
        assert payloads.problem(body, FORM) == reason


def test_a_field_named_twice_is_read_as_bolt_reads_it_the_last_one() -> None:
    good, bad = json.dumps(CLICK), json.dumps(dict(CLICK, actions="not a list"))
    body = urlencode([("payload", good), ("payload", bad)])
    assert parse_body(body, FORM)["actions"] == "not a list"
    data, reason = payloads.read(body, FORM)
    assert data is None and reason is not None and "actions" in reason
    data, reason = payloads.read(urlencode([("payload", bad), ("payload", good)]), FORM)
    assert reason is None and data == CLICK


def test_json_bodies_and_commands_read_as_bolt_reads_them() -> None:
    event = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_mention", "user": "U1"}}
    body = json.dumps(event)
    assert payloads.read(body, "application/json") == (parse_body(body, "application/json"), None)
    assert payloads.read(body, "text/plain") == (event, None)  # a body that starts with { is JSON to Bolt
    command = urlencode({"command": "/sales", "text": "deals", "user_id": "U1", "team_id": "T1"})
    assert payloads.read(command, FORM) == (parse_body(command, FORM), None)


def test_a_slash_command_that_says_payload_is_read_as_a_command() -> None:
    """Bolt alone reads any form mentioning "payload" as a payload form: this command would reach it empty."""
    body = urlencode({"command": "/sales", "text": "why no payload", "user_id": "U1", "team_id": "T1"})
    assert parse_body(body, FORM) == {}
    data, reason = payloads.read(body, FORM)
    assert reason is None and data == dict(parse_qsl(body)) and data["text"] == "why no payload"


def test_over_http_a_slash_command_that_says_payload_is_answered(
    http: str, world: World, slack: FakeSlack
) -> None:
    arrange(world)
    body = urlencode(
        {
            "command": "/sales",
            "text": "help payload",
            "user_id": "UANA",
            "team_id": "T0001",
            "channel_id": "DANA",
            "trigger_id": "tr1",
            "response_url": slack.response_url("cmd"),
        }
    )
    status, _ = post(http, body)
    assert status == 200


def test_over_http_the_field_checked_is_the_field_bolt_answers(
    http: str, world: World, slack: FakeSlack
) -> None:
    """A signed form whose first ``payload`` is well formed and whose last is not: refused with 400 (before,
    the first was checked and Bolt read the last)."""
    arrange(world)
    good = json.dumps(CLICK)
    bad = json.dumps(dict(CLICK, user={"id": 7}))
    status, answer = post(http, urlencode([("payload", good), ("payload", bad)]))
    assert status == 400 and "user" in answer["error"]
    status, _ = post(http, urlencode([("payload", bad), ("payload", good)]))
    assert status == 200
    status, _ = post(http, body_of(CLICK)[0])
    assert status == 200
