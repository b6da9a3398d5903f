"""The bundled-actions queue modal: one member at a time with the fitting input, Next (submit) and Skip."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.blocks.views import modal
from bot.digest.render import SNOOZE_OPTIONS, part_mrkdwn
from bot.interactions.queue import Member, Queue
from bot.slack import limits
from bot.slack.mrkdwn import escape, link, truncate
from crm.changes.outcomes import CALL_OUTCOMES, MEETING_OUTCOMES
from crm.localtime import format_clock, format_day, local_date

QUEUE_VIEW = "queue.bundle"
SKIP = "queue.skip"
SNOOZE = "queue.snooze"
OUTCOME = ("outcome", "value")

MEETING_LABELS = {
    "completed": "Completed",
    "rescheduled": "Rescheduled",
    "no_show": "No show",
    "canceled": "Canceled",
}


def _when(member: Member, tz: str) -> str:
    if member.when is None:
        return ""
    return f"{format_day(local_date(member.when, tz))} {format_clock(member.when, tz)}"


def _details(member: Member, tz: str) -> str:
    lines = [f"*{escape(truncate(member.title, 200))}*"]
    when = _when(member, tz)
    if when:
        lines.append(("Due " if member.kind == "task" else "") + when)
    if member.contacts:
        lines.append("With " + truncate(", ".join(part_mrkdwn(p) for p in member.contacts), 2000))
    if member.detail:
        lines.append(escape(member.detail))
    if member.link:
        lines.append(link(member.link, "Meeting link"))
    return "\n".join(lines)


def queue_view(queue: Queue, member: Member, tz: str, *, notice: str | None = None) -> dict[str, Any]:
    position = f"{queue.pos + 1} of {len(queue.ids)}"
    blocks: list[Block] = [
        ContextBlock(
            block_id="progress", elements=[MarkdownTextObject(text=f"{position} · {queue.done} done")]
        ),
        SectionBlock(
            block_id="member", text=MarkdownTextObject(text=truncate(_details(member, tz), limits.TEXT))
        ),
    ]
    if member.kind in ("meeting", "call"):
        choices = (
            [(o, MEETING_LABELS[o]) for o in MEETING_OUTCOMES]
            if member.kind == "meeting"
            else [(o, o) for o in CALL_OUTCOMES]
        )
        blocks.append(
            InputBlock(
                block_id=OUTCOME[0],
                label="Outcome",
                element=StaticSelectElement(
                    action_id=OUTCOME[1], options=[Option(value=v, label=label) for v, label in choices]
                ),
            )
        )
    buttons: list[Any] = [ButtonElement(text="Skip", action_id=SKIP, value=member.id)]
    if member.kind == "task":
        buttons.append(
            StaticSelectElement(
                action_id=SNOOZE,
                placeholder=PlainTextObject(text="Snooze"),
                options=[Option(value=value, label=label) for value, label in SNOOZE_OPTIONS],
            )
        )
    blocks.append(ActionsBlock(block_id="queue.buttons", elements=buttons))
    if notice:
        blocks.append(ContextBlock(block_id="notice", elements=[MarkdownTextObject(text=escape(notice))]))
    submit = "Complete & next" if member.kind == "task" else "Save & next"
    return modal(
        callback_id=QUEUE_VIEW,
        title=queue_title(queue),
        submit=submit,
        close="Done",
        blocks=blocks,
        private_metadata=queue.dumps(),
    )


def queue_title(queue: Queue) -> str:
    return {
        "R04": "Sequence tasks",
        "R06": "Meeting outcomes",
        "R08": "Call outcomes",
        "R13": "High-priority tasks",
        "today": "Tasks due today",
        "overdue": "Overdue tasks",
        "tomorrow": "Tasks due tomorrow",
    }[queue.rule]


def finished_view(queue: Queue, *, notice: str | None = None) -> dict[str, Any]:
    text = f"All done: {queue.done} handled, {queue.skipped} skipped."
    if queue.more:
        text += f" {queue.more} more are waiting: start the queue again."
    blocks: list[Any] = [SectionBlock(block_id="done", text=MarkdownTextObject(text=text))]
    if notice:
        blocks.append(ContextBlock(block_id="notice", elements=[MarkdownTextObject(text=escape(notice))]))
    return modal(callback_id=QUEUE_VIEW, title=queue_title(queue), close="Close", blocks=blocks)
