"""``/sales`` answers: the usage, and the picker for a deal name that matches several deals."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.slack import limits
from bot.slack.keys import key
from bot.slack.mrkdwn import escape, truncate

PICK_DEAL = "insights.pick"

USAGE = (
    "*Salesbot* — your sales workspace in Slack. Everything here is private to you.\n"
    "• `/sales insights <deal name or id>` — AI summary, risks and buyer goals of a deal\n"
    "• `/sales tasks [today|overdue|tomorrow]` — your open tasks\n"
    "• `/sales digest` — this morning's digest, now\n"
    "• `/sales queue [today|overdue|tomorrow]` — work through your tasks one at a time\n"
    "• `/sales deals [all_open|closing_month|past_close|stalled|no_activity]` — your open deals\n"
    "• `/sales schedule [day|week|month]` — your meetings and tasks\n"
    "• `/sales feed [event type]` — your contacts' engagement\n"
    "• `/sales help` — this list\n"
    "Your full workspace is in the app's *Home* tab."
)


def help_message(note: str | None = None) -> dict[str, Any]:
    """The usage after ``note`` (plain text, may echo what the user typed: escaped and cut to fit)."""
    text = f"{truncate(escape(note), limits.TEXT - len(USAGE) - 2)}\n\n{USAGE}" if note else USAGE
    payload = {"text": "How to use /sales", "blocks": [SectionBlock(block_id="help", text=text).to_dict()]}
    limits.check_message(payload)
    return payload


def deal_picker(query: str, deals: list[tuple[str, str]]) -> dict[str, Any]:
    """Several deals match ``query``: choose one (``deals`` is ``(id, name)``, at most 100)."""
    options = [
        Option(value=key(deal_id), label=truncate(name or deal_id, limits.OPTION_TEXT))
        for deal_id, name in deals[:100]
    ]
    blocks = [
        SectionBlock(
            block_id="pick.text",
            text=MarkdownTextObject(
                text=f"{len(deals)} deals match “{escape(truncate(query, 200))}”. Which one?"
            ),
        ),
        ActionsBlock(
            block_id="pick.deal",
            elements=[
                StaticSelectElement(
                    action_id=PICK_DEAL, placeholder=PlainTextObject(text="Choose a deal"), options=options
                )
            ],
        ),
    ]
    payload = {"text": "Several deals match: choose one", "blocks": [b.to_dict() for b in blocks]}
    limits.check_message(payload)
    return payload
