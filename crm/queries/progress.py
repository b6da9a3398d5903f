"""A user's progress: meetings this week, tasks completed this week, and each goal against its target.

A goal on a manager (or super admin) counts the results of their whole team tree, theirs included, with each
person's share (``GoalProgress.shares``); a rep's goal counts their own.

``subject`` is whose work is counted; ``viewer`` whose permission filter applies (a super admin viewing a
rep's Home counts the rep's records minus their private activities).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from crm.localtime import day_bounds, local_date
from crm.models import Activity, Deal, Stage, User, UserGoal
from crm.permissions import visible
from crm.queries.team import team_reps

METRIC_LABELS = {
    "meetings_booked": "Meetings booked",
    "calls_made": "Calls made",
    "emails_sent": "Emails sent",
    "tasks_completed": "Tasks completed",
    "deals_won": "Deals won",
}


@dataclass(frozen=True)
class GoalProgress:
    metric: str
    period: str
    target: int
    done: int
    # A manager's goal counts their team: each person's part, most first (empty for a rep's own goal).
    shares: tuple[tuple[str, int], ...] = ()

    @property
    def label(self) -> str:
        return METRIC_LABELS.get(self.metric, self.metric)


@dataclass(frozen=True)
class Progress:
    meetings_this_week: int
    tasks_completed_this_week: int
    goals: list[GoalProgress]


def period_start(period: str, today: date) -> date:
    if period == "week":
        return today - timedelta(days=today.weekday())
    if period == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return today.replace(day=1)


def period_end(period: str, start: date) -> date:
    """The first day after the period starting on ``start``."""
    if period == "week":
        return start + timedelta(days=7)
    months = 3 if period == "quarter" else 1
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_bounds(period: str, now: datetime, tz: str) -> tuple[datetime, datetime]:
    start = period_start(period, local_date(now, tz))
    return day_bounds(start, tz)[0], day_bounds(period_end(period, start) - timedelta(days=1), tz)[1]


def _activities(
    session: Session, owners: list[str], viewer: User, *where: ColumnElement[bool]
) -> dict[str, int]:
    stmt = (
        select(Activity.owner_id, func.count())
        .select_from(Activity)
        .where(Activity.owner_id.in_(owners), *where)
        .group_by(Activity.owner_id)
    )
    return {str(owner): n for owner, n in session.execute(visible(stmt, viewer, "activities"))}


def metric_counts(
    session: Session, owners: list[str], viewer: User, metric: str, start: datetime, end: datetime
) -> dict[str, int]:
    """Each owner's count of ``metric`` in ``[start, end)``, as ``viewer`` may view it (owners with none are
    left out)."""

    def within(column: Any) -> ColumnElement[bool]:
        return and_(column >= start, column < end)

    if metric == "meetings_booked":
        return _activities(
            session,
            owners,
            viewer,
            Activity.type == "meeting",
            within(
                Activity.occurred_at
            ),  # a meeting's occurred_at is its start: the owner/type index serves it
            Activity.outcome.is_distinct_from("canceled"),
        )
    if metric == "calls_made":
        return _activities(session, owners, viewer, Activity.type == "call", within(Activity.occurred_at))
    if metric == "emails_sent":
        return _activities(
            session,
            owners,
            viewer,
            Activity.type == "email",
            Activity.direction == "outgoing",
            within(Activity.occurred_at),
        )
    if metric == "tasks_completed":
        return _activities(
            session,
            owners,
            viewer,
            Activity.type == "task",
            Activity.status == "completed",
            within(Activity.completed_at),
        )
    if metric == "deals_won":
        stmt = (
            select(Deal.owner_id, func.count())
            .select_from(Deal)
            .join(Stage, and_(Stage.pipeline_id == Deal.pipeline_id, Stage.id == Deal.stage_id))
            .where(Deal.owner_id.in_(owners), Stage.state == "won", within(Deal.closed_at))
            .group_by(Deal.owner_id)
        )
        return {str(owner): n for owner, n in session.execute(visible(stmt, viewer, "deals"))}
    return {}


def metric_count(
    session: Session, subject: User, viewer: User, metric: str, start: datetime, end: datetime
) -> int:
    return sum(metric_counts(session, [subject.id], viewer, metric, start, end).values())


def goal_owners(session: Session, subject: User) -> list[User]:
    """Whose results a goal of ``subject`` counts: a manager's (or super admin's) goal counts their team
    tree's (``crm.queries.team``) and their own; anyone else's, their own."""
    return [subject, *team_reps(session, subject)]


def progress(session: Session, subject: User, viewer: User, now: datetime) -> Progress:
    start, end = period_bounds("week", now, subject.timezone)
    goals = session.scalars(
        select(UserGoal).where(UserGoal.user_id == subject.id).order_by(UserGoal.position)
    ).all()
    out = []
    people = goal_owners(session, subject) if goals else [subject]
    names = {u.id: u.name for u in people}
    for goal in goals:
        g_start, g_end = period_bounds(goal.period, now, subject.timezone)
        counts = metric_counts(session, list(names), viewer, goal.metric, g_start, g_end)
        shares: tuple[tuple[str, int], ...] = ()
        if len(people) > 1:
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]]))
            shares = tuple((names[owner], n) for owner, n in ranked if n)
        out.append(GoalProgress(goal.metric, goal.period, goal.target, sum(counts.values()), shares))
    return Progress(
        meetings_this_week=metric_count(session, subject, viewer, "meetings_booked", start, end),
        tasks_completed_this_week=metric_count(session, subject, viewer, "tasks_completed", start, end),
        goals=out,
    )
