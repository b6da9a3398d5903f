"""A list of one user's open tasks for one bucket (overdue, today, tomorrow), as digest lines: what
``/sales tasks`` shows, with the same Complete and Snooze buttons as the digest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from bot.digest.render import line_blocks
from bot.lines import Describer, Line
from bot.slack import limits
from crm.localtime import day_bounds, local_date
from crm.models import Activity, User
from crm.queries.workspace import open_tasks

BUCKETS = ("overdue", "today", "tomorrow")
TITLES = {"overdue": "Overdue tasks", "today": "Tasks due today", "tomorrow": "Tasks due tomorrow"}
SHOWN = 20  # two blocks a line: within a message's 50 blocks with the title and the "+N more" line


def task_lines(session: Session, user: User, bucket: str, now: datetime) -> tuple[list[Line], int]:
    """The first tasks of ``bucket`` (due order) as lines, and how many there are in all."""
    today = local_date(now, user.timezone)
    start, end = day_bounds(today, user.timezone)
    after = day_bounds(today + timedelta(days=1), user.timezone)[1]
    due = Activity.due_at
    condition = {
        "overdue": due < start,
        "today": and_(due >= start, due < end),
        "tomorrow": and_(due >= end, due < after),
    }[bucket]
    stmt = open_tasks(user, now).where(condition)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    tasks = list(session.scalars(stmt.order_by(Activity.due_at, Activity.id).limit(SHOWN)))
    describer = Describer(session, user)
    describer.prefetch([], tasks, [])
    return [describer.task_line(t, due=bucket == "overdue") for t in tasks], total


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
