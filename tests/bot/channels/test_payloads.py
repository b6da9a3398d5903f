"""The shapes of the channel payloads are checked before Bolt sees them (``bot.payloads``)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.payloads import problem

FORM = "application/x-www-form-urlencoded"
SHORTCUT = {"type": "message_action", "callback_id": "log_to_crm", "trigger_id": "t1", "user": {"id": "U1"}}
SUGGESTION = {
    "type": "block_suggestion",
    "action_id": "log.record.pick",
    "user": {"id": "U1"},
    "value": "glo",
}


def form(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def test_well_formed_channel_payloads_pass() -> None:
    assert problem(form(SHORTCUT), FORM) is None
    assert problem(form(SUGGESTION), FORM) is None


@pytest.mark.parametrize(
    "payload",
    [
        {**SHORTCUT, "trigger_id": ""},
        {**SHORTCUT, "user": "U1"},
        {k: v for k, v in SHORTCUT.items() if k != "callback_id"},
        {**SUGGESTION, "value": 7},
        {**SUGGESTION, "action_id": ["x"]},
        {**SHORTCUT, "message": {"text": 5}},
        {
            "type": "event_callback",
            "event_id": "Ev1",
            "event": {"type": "link_shared", "channel": "C1", "links": [{"url": 1}]},
        },
    ],
)
def test_malformed_channel_payloads_are_refused_with_the_reason(payload: dict) -> None:
    reason = problem(form(payload), FORM)
    assert reason is not None and reason.startswith(f"malformed {payload['type']} payload"), reason
