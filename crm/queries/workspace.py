"""A user's own workspace at a glance: their open tasks by local day, today's meetings, open deals."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, case, func, select
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
    return open_tasks_of(user.id, now, viewer or user)


def open_tasks_of(owner_id: Any, now: Any, viewer: User, *, bound: bool = False) -> Select[Activity]:
    """``open_tasks`` with the owner's id and ``now`` given as values or, with ``bound``, as bind parameters
    (then the viewer's permission filter is bound too: see ``crm.permissions``)."""
    snoozed = select(TaskSnooze.activity_id).where(
        TaskSnooze.activity_id == Activity.id, TaskSnooze.until > now
    )
    stmt = select(Activity).where(
        Activity.type == "task",
        Activity.owner_id == owner_id,
        Activity.status.is_distinct_from("completed"),
        ~snoozed.exists(),
    )
    return visible(stmt, viewer, "activities", bound=bound)


def todays_meetings(user: User, now: datetime, viewer: User | None = None) -> Select[Activity]:
    """The user's own meetings starting on their local day of ``now``, canceled ones left out."""
    start, end = day_bounds(local_date(now, user.timezone), user.timezone)
    return meetings_between(user.id, start, end, viewer or user)


def meetings_between(
    owner_id: Any, start: Any, end: Any, viewer: User, *, bound: bool = False
) -> Select[Activity]:
    """The owner's meetings starting in ``[start, end)``, canceled ones left out; values or bind parameters
    as in ``open_tasks_of``."""
    stmt = select(Activity).where(
        Activity.type == "meeting",
        Activity.owner_id == owner_id,
        Activity.start_at >= start,
        Activity.start_at < end,
        Activity.outcome.is_distinct_from("canceled"),
    )
    return visible(stmt, viewer, "activities", bound=bound)


def task_days(user: User, now: datetime) -> tuple[datetime, datetime, datetime]:
    """The UTC instants where the user's local today, tomorrow and the day after start."""
    today = local_date(now, user.timezone)
    today_start, tomorrow_start = day_bounds(today, user.timezone)
    _, day_after_start = day_bounds(today + timedelta(days=1), user.timezone)
    return today_start, tomorrow_start, day_after_start


def due_in(due: Any, bucket: str, days: tuple[datetime, datetime, datetime]) -> ColumnElement[bool]:
    """Whether ``due`` (a due-time column) falls in ``bucket`` (``overdue``, ``today``,
    ``tomorrow``: by the user's local days) at ``days`` (``task_days``)."""
    today_start, tomorrow_start, day_after_start = days
    if bucket == "overdue":
        return due < today_start
    if bucket == "today":
        return and_(due >= today_start, due < tomorrow_start)
    if bucket == "tomorrow":
        return and_(due >= tomorrow_start, due < day_after_start)
    raise ValueError(f"unknown task bucket {bucket!r}")


def tasks_due(user: User, bucket: str, now: datetime) -> Select[Activity]:
    """The user's open tasks (``open_tasks``) due in ``bucket`` of their local days."""
    return open_tasks(user, now).where(due_in(Activity.due_at, bucket, task_days(user, now)))


def workspace_summary(
    session: Session, user: User, now: datetime, viewer: User | None = None
) -> WorkspaceSummary:
    days = task_days(user, now)
    viewer = viewer or user
    tasks = open_tasks(user, now, viewer).subquery()
    due_today = due_in(tasks.c.due_at, "today", days)
    counts = session.execute(
        select(
            func.count(case((due_in(tasks.c.due_at, "overdue", days), 1))),
            func.count(case((due_today, 1))),
            func.count(case((due_in(tasks.c.due_at, "tomorrow", days), 1))),
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


# The task sections of a day, as ``tasks_by_day_select`` names them.
DAY_SECTIONS = ("high_priority", "overdue", "today", "tomorrow")


@dataclass(frozen=True)
class TasksByDay:
    """A user's open tasks due before the end of their local tomorrow, by section: ``high_priority`` (due
    today, priority high), ``overdue``, ``today`` (due today, other priorities), ``tomorrow``. ``first`` holds
    the first ``limit`` of each by due time then id (rows of ``id``, ``title``, ``due_at``), ``total`` how
    many each has in all."""

    first: dict[str, list[Row[*tuple[Any, ...]]]] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)


def tasks_by_day_select(
    owner_id: Any, now: Any, days: tuple[Any, Any, Any], viewer: User, *, limit: int, bound: bool = False
) -> Select[Any]:
    """The counts and first ``limit`` rows of every day section of the owner's open tasks in one query (window
    functions: SQLite 3.25+ and PostgreSQL), instead of a count query and a query per section. ``days`` are
    the starts of the owner's local today, tomorrow and the day after (``task_days``); values or bind
    parameters as in ``open_tasks_of``. Read the rows with ``tasks_by_day``."""
    today_start, tomorrow_start, day_after_start = days
    due = Activity.due_at
    section = case(
        (due < today_start, "overdue"),
        (and_(due < tomorrow_start, Activity.priority == "high"), "high_priority"),
        (due < tomorrow_start, "today"),
        else_="tomorrow",
    )
    numbered = (
        open_tasks_of(owner_id, now, viewer, bound=bound)
        .with_only_columns(
            Activity.id,
            Activity.title,
            Activity.due_at,
            section.label("section"),
            func.row_number().over(partition_by=section, order_by=(due, Activity.id)).label("n"),
            func.count().over(partition_by=section).label("total"),
        )
        .where(due < day_after_start)
        .subquery()
    )
    return select(numbered).where(numbered.c.n <= limit).order_by(numbered.c.section, numbered.c.n)


def tasks_by_day(rows: Iterable[Row[*tuple[Any, ...]]]) -> TasksByDay:
    """``TasksByDay`` from the rows of ``tasks_by_day_select``."""
    result = TasksByDay({key: [] for key in DAY_SECTIONS}, dict.fromkeys(DAY_SECTIONS, 0))
    for row in rows:
        result.first[row.section].append(row)
        result.total[row.section] = row.total
    return result
