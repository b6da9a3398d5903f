"""Short messages to one user: the outcome of a click, an error after the ack, "who are you?"."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import SectionBlock

from bot.slack import limits
from bot.slack.mrkdwn import escape, truncate

NOT_LINKED = (
    "Your Slack account is not linked to a Salesbot user, so there is nothing to show. "
    "Ask your Salesbot admin to add your Slack id (or use the same email in Slack and the CRM)."
)
FAILED = "Sorry, that did not work: something went wrong on our side. It has been logged; please try again."


def notice(text: str) -> dict[str, Any]:
    """``{"text", "blocks"}`` of a one-line notice; ``text`` is Salesbot's own words, CRM parts pre-escaped
    by the caller with :func:`bot.slack.mrkdwn.escape`."""
    body = truncate(text, limits.TEXT)
    payload = {"text": body, "blocks": [SectionBlock(block_id="notice", text=body).to_dict()]}
    limits.check_message(payload)
    return payload


def plain_notice(text: str) -> dict[str, Any]:
    """A notice of text that may hold user or CRM input: escaped whole."""
    return notice(escape(text))
