"""Deal insights in Block Kit: the result message, the activity and "Copy as text" modals, the feedback modal,
and the refusals. Pure builders: every payload is checked against ``bot.slack.limits`` before it is returned.

What the listeners do (they are wired in ``bot/listeners``, not here):

- ``/sales insights <deal>`` and the **Insights** button: ack, then on the model executor
  ``insights.service.get_insights(session, deal_id, user, now)`` and post ``result_message(result)``
  (ephemeral). ``PermissionDenied`` -> ``not_allowed_message()``; ``InsightsDisabled`` ->
  ``refusal_message(str(exc))``.
- ``REFRESH``: ``parse_value(value)`` -> (deal id, hash); ``get_insights(..., refresh=True)``; replace
  the message.
- ``OPEN_ACTIVITY``: ``parse_open_value(value)`` -> (deal id, activity id);
  ``insights.service.activity_detail(session, activity_id, user)`` (checks permission again) ->
  ``views.open(view=activity_modal(detail, tz))``; ``PermissionDenied`` -> ``not_allowed_modal()``.
- ``COPY_TEXT``: ``get_insights`` again (cached) -> ``views.open(view=text_modal(render_text(result)))``.
- ``SHARE``: ``get_insights`` again -> post ``result_message(result, shared=True)`` to the channel (no
  buttons; the sharer chose to show it).
- ``HELPFUL``: ``record_feedback(..., helpful=True, comment=None, inputs_hash=hash)``; ``NOT_HELPFUL``:
  ``views.open(view=feedback_modal(deal_id, hash))``; its submission (``FEEDBACK_CALLBACK``) reads
  ``FEEDBACK_BLOCK`` / ``FEEDBACK_INPUT`` and ``parse_value(private_metadata)`` and records
  ``helpful=False`` with the comment.

Button values: ``{"d": deal_id, "h": inputs_hash}`` as compact JSON for the deal-level buttons and the
feedback modal's ``private_metadata``; ``{"d": deal_id, "a": activity_id}`` for Open.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.views import modal
from bot.slack import limits
from bot.slack.mrkdwn import escape, link, truncate
from crm.localtime import zone

if TYPE_CHECKING:  # annotations only: building the blocks needs no insights service (nor its imports)
    from insights.service import ActivityDetail, InsightResult

SHOW = "insights.show"  # an Insights button elsewhere (the Home tab's deals): value = the deal id
OPEN_ACTIVITY = "insights.open_activity"
REFRESH = "insights.refresh"
COPY_TEXT = "insights.copy_text"
SHARE = "insights.share"
HELPFUL = "insights.helpful"
NOT_HELPFUL = "insights.not_helpful"
FEEDBACK_CALLBACK = "insights.feedback"
FEEDBACK_BLOCK = "insights.feedback.comment"
FEEDBACK_INPUT = "comment"

NOT_ALLOWED = "You may not view that deal, or it does not exist."
_SOURCE = {"crm": "CRM", "model": "AI"}
TYPE_ICONS = {"email": ":email:", "call": ":telephone_receiver:", "meeting": ":calendar:", "note": ":memo:"}


def button_value(deal_id: str, inputs_hash: str) -> str:
    return json.dumps({"d": deal_id, "h": inputs_hash}, separators=(",", ":"))


def parse_value(value: str) -> tuple[str, str]:
    data = json.loads(value)
    return str(data["d"]), str(data["h"])


def open_value(deal_id: str, activity_id: str) -> str:
    return json.dumps({"d": deal_id, "a": activity_id}, separators=(",", ":"))


def parse_open_value(value: str) -> tuple[str, str]:
    data = json.loads(value)
    return str(data["d"]), str(data["a"])


def _when(at: datetime | None, tz: str) -> str:
    return at.astimezone(zone(tz)).strftime("%b %d, %H:%M") if at else "—"


def _section(text: str, block_id: str | None = None, accessory: Any = None) -> SectionBlock:
    return SectionBlock(
        block_id=block_id, text=MarkdownTextObject(text=truncate(text, limits.TEXT)), accessory=accessory
    )


def _cites(ids: tuple[str, ...]) -> str:
    return f"  _(activities: {escape(', '.join(ids))})_" if ids else ""


def result_blocks(result: InsightResult, *, shared: bool = False) -> list[Block]:
    title = truncate(f"Insights: {result.deal_name}", limits.HEADER_TEXT)
    blocks: list[Block] = [
        HeaderBlock(block_id="insights.header", text=PlainTextObject(text=title, emoji=False))
    ]
    if result.ai_unavailable_reason:
        blocks.append(
            ContextBlock(
                block_id="insights.reason",
                elements=[
                    MarkdownTextObject(text=truncate(escape(result.ai_unavailable_reason), limits.TEXT))
                ],
            )
        )
    blocks.append(_section("*Recent activity*", "insights.recent"))
    if result.summary:
        blocks.append(_section(escape(result.summary), "insights.summary"))
    for a in result.activities:
        line = f"{TYPE_ICONS.get(a.type, '')} {_when(a.at, result.timezone)} · {escape(a.title)}".strip()
        button = None
        if not shared:
            value = open_value(result.deal_id, a.id)
            if len(value) <= limits.BUTTON_VALUE:
                button = ButtonElement(text="Open", action_id=OPEN_ACTIVITY, value=value)
        blocks.append(_section(line, limits_block_id("insights.activity", a.id), button))
    if not result.activities:
        blocks.append(_section("_No activity you can see._", "insights.no_activity"))
    blocks.append(DividerBlock())
    risk_lines = [
        f"• *{escape(r.title)}* ({_SOURCE[r.source]}): {escape(r.detail)}{_cites(r.activity_ids)}"
        for r in result.risks
    ] or ["_None found._"]
    blocks.append(_section("*Risks*\n" + "\n".join(risk_lines), "insights.risks"))
    goal_lines = [f"• {escape(g.goal)}{_cites(g.activity_ids)}" for g in result.buyer_goals] or [
        "_None found._" if result.ai_used else "_No AI text._"
    ]
    blocks.append(_section("*Buyer goals*\n" + "\n".join(goal_lines), "insights.goals"))
    if not shared:
        value = button_value(result.deal_id, result.inputs_hash)
        blocks.append(
            ActionsBlock(
                block_id="insights.actions",
                elements=[
                    ButtonElement(text="Refresh", action_id=REFRESH, value=value),
                    ButtonElement(text="Copy as text", action_id=COPY_TEXT, value=value),
                    ButtonElement(text="Share to channel", action_id=SHARE, value=value),
                    ButtonElement(text="Helpful", action_id=HELPFUL, value=value, style="primary"),
                    ButtonElement(text="Not helpful", action_id=NOT_HELPFUL, value=value),
                ],
            )
        )
    return blocks


def limits_block_id(prefix: str, ref: str) -> str:
    block_id = f"{prefix}:{ref}"
    return (
        block_id if len(block_id) <= limits.BLOCK_ID else f"{prefix}#{hashlib.sha1(ref.encode()).hexdigest()}"
    )


def result_message(result: InsightResult, *, shared: bool = False, url: str | None = None) -> dict[str, Any]:
    """The answer; ``url``: the deal in the CRM, linked from its name under the header."""
    blocks = result_blocks(result, shared=shared)
    if url:
        name = MarkdownTextObject(text=link(url, truncate(result.deal_name, 200)))
        blocks.insert(1, ContextBlock(block_id="insights.link", elements=[name]))
    payload = {
        "text": truncate(escape(f"Deal insights: {result.deal_name}"), limits.FALLBACK_TEXT),
        "blocks": [b.to_dict() for b in blocks],
    }
    limits.check_message(payload)
    return payload


def _message(text: str) -> dict[str, Any]:
    payload = {"text": text, "blocks": [_section(escape(text), "insights.message").to_dict()]}
    limits.check_message(payload)
    return payload


def refusal_message(explanation: str) -> dict[str, Any]:
    """Customer analysis is off (``InsightsDisabled``'s message)."""
    return _message(explanation)


def not_allowed_message() -> dict[str, Any]:
    """A hidden or missing deal: the same words for both."""
    return _message(NOT_ALLOWED)


def _view(title: str, blocks: list[Block], **kwargs: Any) -> dict[str, Any]:
    return modal(callback_id=kwargs.pop("callback_id", "insights.view"), title=title, blocks=blocks, **kwargs)


def activity_modal(detail: ActivityDetail, tz: str = "UTC") -> dict[str, Any]:
    lines = [f"*{escape(detail.title)}*", f"{detail.type.capitalize()} · {_when(detail.at, tz)}"]
    if detail.from_address:
        lines.append(f"From: {escape(detail.from_address)}")
    if detail.to:
        lines.append(f"To: {escape(', '.join(detail.to))}")
    blocks: list[Block] = [_section("\n".join(lines), "activity.header")]
    if detail.body:
        blocks.append(_section(escape(detail.body), "activity.body"))
    return _view("Activity", blocks)


def not_allowed_modal() -> dict[str, Any]:
    return _view("Activity", [_section("You may not view that activity.", "activity.denied")])


def text_modal(text: str) -> dict[str, Any]:
    """ "Copy as text": the plain text in code blocks, split to respect the per-block limit."""
    chunk = limits.TEXT - 10
    escaped = escape(text)
    parts = [escaped[i : i + chunk] for i in range(0, len(escaped), chunk)][: limits.VIEW_BLOCKS] or [""]
    blocks: list[Block] = [_section(f"```{p}```", f"copy.{i}") for i, p in enumerate(parts)]
    return _view("Copy as text", blocks)


def feedback_modal(deal_id: str, inputs_hash: str) -> dict[str, Any]:
    comment = InputBlock(
        block_id=FEEDBACK_BLOCK,
        label=PlainTextObject(text="What was wrong?"),
        element=PlainTextInputElement(action_id=FEEDBACK_INPUT, multiline=True, max_length=3000),
        optional=True,
    )
    return _view(
        "Not helpful",
        [comment],
        callback_id=FEEDBACK_CALLBACK,
        private_metadata=button_value(deal_id, inputs_hash),
        submit="Send",
        close="Cancel",
    )
