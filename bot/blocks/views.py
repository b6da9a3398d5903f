"""Shared modal plumbing: a validated ``views.open`` / ``views.update`` payload from blocks."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.slack import limits
from bot.slack.mrkdwn import truncate

TITLE_LIMIT = 24  # Slack's limit for a modal's title, submit and close texts


def modal(
    *,
    callback_id: str,
    title: str,
    blocks: list[Block],
    submit: str | None = None,
    close: str = "Close",
    private_metadata: str | None = None,
) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=callback_id,
        title=truncate(title, TITLE_LIMIT),
        submit=truncate(submit, TITLE_LIMIT) if submit else None,
        close=truncate(close, TITLE_LIMIT),
        blocks=blocks,
        private_metadata=private_metadata,
    ).to_dict()
    limits.check_view(view)
    return view


def loading_view() -> dict[str, Any]:
    """What a modal shows while the work after the ack fills it in (a trigger id lasts 3 seconds)."""
    return message_view("Loading…", "Getting it ready…")


def message_view(title: str, text: str) -> dict[str, Any]:
    """A modal with one line of Salesbot's own words (CRM text escaped by the caller)."""
    return modal(
        callback_id="salesbot.message",
        title=title,
        blocks=[SectionBlock(block_id="message", text=MarkdownTextObject(text=text))],
    )
