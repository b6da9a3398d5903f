"""A list of one user's open tasks for one bucket (overdue, today, tomorrow), as digest lines: what
``/sales tasks`` shows (laid out by ``bot.blocks.tasks``), with the same Complete and Snooze buttons as the
digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.lines import Describer, Line
from crm.models import Activity, User
from crm.queries.workspace import tasks_due

BUCKETS = ("overdue", "today", "tomorrow")
SHOWN = 20  # two blocks a line: within a message's 50 blocks with the title and the "+N more" line


def task_lines(session: Session, user: User, bucket: str, now: datetime) -> tuple[list[Line], int]:
    """The first tasks of ``bucket`` (due order) as lines, and how many there are in all."""
    stmt = tasks_due(user, bucket, now)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    tasks = list(session.scalars(stmt.order_by(Activity.due_at, Activity.id).limit(SHOWN)))
    describer = Describer(session, user)
    describer.prefetch([], tasks, [])
    return [describer.task_line(t, due=bucket == "overdue") for t in tasks], total
