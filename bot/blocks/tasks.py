"""``/sales tasks``: one bucket's task lines (``bot.digest.tasks``) as a message, each line with the digest's
buttons."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.digest.render import line_blocks
from bot.lines import Line
from bot.slack import limits

TITLES = {"overdue": "Overdue tasks", "today": "Tasks due today", "tomorrow": "Tasks due tomorrow"}


def tasks_message(bucket: str, lines: list[Line], total: int) -> dict[str, Any]:
    blocks: list[Block] = [
        SectionBlock(block_id="tasks.title", text=MarkdownTextObject(text=f"*{TITLES[bucket]}* ({total})"))
    ]
    if not lines:
        blocks.append(
            SectionBlock(block_id="tasks.none", text=MarkdownTextObject(text="Nothing here. Nice."))
        )
    for line in lines:
        blocks += line_blocks(line)
    if total > len(lines):
        blocks.append(
            ContextBlock(
                block_id="tasks.more",
                elements=[MarkdownTextObject(text=f"+{total - len(lines)} more in Home")],
            )
        )
    payload = {"text": f"{TITLES[bucket]}: {total}", "blocks": [b.to_dict() for b in blocks]}
    limits.check_message(payload)
    return payload
