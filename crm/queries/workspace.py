"""A user's own workspace at a glance: their open tasks by local day, today's meetings, open deals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from crm.localtime import day_bounds, local_date
from crm.models import Activity, Deal, Stage, TaskSnooze, User
from crm.permissions import visible


@dataclass(frozen=True)
class WorkspaceSummary:
    overdue: int
    due_today: int
    due_tomorrow: int
    high_priority_today: int
    meetings_today: int
    open_deals: int


def open_tasks(user: User, now: datetime, viewer: User | None = None) -> Select[Activity]:
    """The user's own open tasks (a task is open unless its status is ``completed``), except those the user
    snoozed until after ``now``. ``viewer`` (default: the user) is whose permission filter applies: a super
    admin viewing another user's Home sees that user's tasks minus their private ones."""
    snoozed = select(TaskSnooze.activity_id).where(
        TaskSnooze.activity_id == Activity.id, TaskSnooze.until > now
    )
    stmt = select(Activity).where(
        Activity.type == "task",
        Activity.owner_id == user.id,
        Activity.status.is_distinct_from("completed"),
        ~snoozed.exists(),
    )
    return visible(stmt, viewer or user, "activities")


def todays_meetings(user: User, now: datetime, viewer: User | None = None) -> Select[Activity]:
    """The user's own meetings starting on their local day of ``now``, canceled ones left out."""
    start, end = day_bounds(local_date(now, user.timezone), user.timezone)
    stmt = select(Activity).where(
        Activity.type == "meeting",
        Activity.owner_id == user.id,
        Activity.start_at >= start,
        Activity.start_at < end,
        Activity.outcome.is_distinct_from("canceled"),
    )
    return visible(stmt, viewer or user, "activities")


def workspace_summary(
    session: Session, user: User, now: datetime, viewer: User | None = None
) -> WorkspaceSummary:
    today = local_date(now, user.timezone)
    today_start, tomorrow_start = day_bounds(today, user.timezone)
    _, day_after_start = day_bounds(today + timedelta(days=1), user.timezone)
    viewer = viewer or user
    tasks = open_tasks(user, now, viewer).subquery()
    due_today = and_(tasks.c.due_at >= today_start, tasks.c.due_at < tomorrow_start)
    counts = session.execute(
        select(
            func.count(case((tasks.c.due_at < today_start, 1))),
            func.count(case((due_today, 1))),
            func.count(case((and_(tasks.c.due_at >= tomorrow_start, tasks.c.due_at < day_after_start), 1))),
            func.count(case((and_(due_today, tasks.c.priority == "high"), 1))),
        )
    ).one()
    meetings = session.scalar(select(func.count()).select_from(todays_meetings(user, now, viewer).subquery()))
    deals = session.scalar(
        visible(
            select(func.count())
            .select_from(Deal)
            .join(Stage, and_(Stage.pipeline_id == Deal.pipeline_id, Stage.id == Deal.stage_id))
            .where(Deal.owner_id == user.id, Stage.state == "open"),
            viewer,
            "deals",
        )
    )
    return WorkspaceSummary(
        overdue=counts[0],
        due_today=counts[1],
        due_tomorrow=counts[2],
        high_priority_today=counts[3],
        meetings_today=meetings or 0,
        open_deals=deals or 0,
    )
