"""What the rep is told after a write-back: within Slack's limits, HubSpot's words escaped, a Retry button on
a failure only."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack import limits
from bot.writeback.messages import RETRY, result_payload
from hubspot_connector.writeback.sender import Result

URL = "https://app.hubspot.com/contacts/12345/record/0-27/1005"


def result(state: str, message: str, url: str | None = URL) -> Result:
    return Result(7, state, message, url, "complete_task", "u1", "UANA", "C1", "1.2")


def buttons(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(
    ("state", "message", "expected", "retry"),
    [
        ("sent", "Saved in HubSpot.", f"Task completed: saved in HubSpot. <{URL}|Open in HubSpot>", False),
        (
            "conflict",
            "HubSpot had a newer change, so Salesbot took HubSpot's: the task is already completed there.",
            "the task is already completed there.",
            False,
        ),
        (
            "failed",
            "Not saved in HubSpot: HubSpot refused it (400: <!channel> bad stage).",
            "&lt;!channel&gt;",
            True,
        ),
    ],
)
def test_each_outcome_is_one_valid_message(state: str, message: str, expected: str, retry: bool) -> None:
    payload = result_payload(result(state, message, URL if state != "failed" else None))
    limits.check_message(payload)
    assert expected in payload["text"]
    assert "<!channel>" not in str(payload)
    assert [(b["action_id"], b["value"]) for b in buttons(payload)] == ([(RETRY, "7")] if retry else [])
