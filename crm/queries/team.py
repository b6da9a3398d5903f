"""A manager's team: the reps of their team tree and each rep's day at a glance, read for the manager.

The team of a manager is every user of their team and its descendant teams (``teams.parent_id``), the
manager excepted; a super admin with no team has everyone. Every count and record is read through the
manager's permission filter (``crm.permissions``), so a manager who may view only their own deals counts
only those: nobody counts what they may not view.

Counts are grouped by owner in one statement per time zone of the reps (the "today" of each rep is their own
local day), not one statement per rep, so a 50-rep team costs a handful of queries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from crm.localtime import day_bounds, local_date
from crm.models import Action, Activity, ActivityDeal, Deal, DealCloseDate, Role, Stage, TaskSnooze, User
from crm.models.action import ActionState
from crm.permissions import team_subtree, visible
from crm.queries.rule_switches import rules_off_by_user

STALLED_DAYS = 14


def manages_team(user: User) -> bool:
    return user.role in (Role.MANAGER, Role.SUPER_ADMIN)


def team_reps(session: Session, manager: User) -> list[User]:
    """The users of the manager's team tree, the manager excepted, by name (none for a rep)."""
    if not manages_team(manager):
        return []
    stmt = select(User).where(User.id != manager.id)
    if manager.team_id is not None:
        stmt = stmt.where(User.team_id.in_(team_subtree(manager.team_id)))
    elif not manager.is_super_admin:
        return []
    return list(session.scalars(stmt.order_by(User.name, User.id)))


def in_team(session: Session, manager: User, user_id: str) -> bool:
    return any(rep.id == user_id for rep in team_reps(session, manager))


@dataclass(frozen=True)
class RepRow:
    user_id: str
    name: str
    overdue: int = 0
    due_today: int = 0
    meetings_today: int = 0
    open_actions: int = 0
    deals_at_risk: int = 0  # open deals past their close date or stalled (no activity for 14 days)


def _by_zone(reps: list[User]) -> dict[str, list[str]]:
    zones: dict[str, list[str]] = defaultdict(list)
    for rep in reps:
        zones[rep.timezone or "UTC"].append(rep.id)
    return zones


def _grouped(session: Session, stmt: Any) -> dict[str, tuple[Any, ...]]:
    return {row[0]: tuple(row[1:]) for row in session.execute(stmt)}


def open_deals(owner_ids: Any) -> Any:
    return (
        select(Deal)
        .join(Stage, and_(Stage.pipeline_id == Deal.pipeline_id, Stage.id == Deal.stage_id))
        .where(Stage.state == "open", Deal.owner_id.in_(owner_ids))
    )


def _deal_activity(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """An activity linked to the deal matches ``where``: from the deal's links (the (deal_id, activity_id)
    index) to each activity by primary key, rather than scanning activities for the links."""
    return exists(
        select(ActivityDeal.activity_id)
        .join(Activity, Activity.id == ActivityDeal.activity_id)
        .where(ActivityDeal.deal_id == Deal.id, *where)
    )


def stalled(now: datetime) -> ColumnElement[bool]:
    return ~_deal_activity(Activity.occurred_at >= now - timedelta(days=STALLED_DAYS))


def no_next_activity(now: datetime) -> ColumnElement[bool]:
    return ~_deal_activity(
        or_(
            and_(
                Activity.type == "meeting",
                Activity.start_at >= now,
                Activity.outcome.is_distinct_from("canceled"),
            ),
            and_(Activity.type == "task", Activity.status.is_distinct_from("completed")),
        )
    )


def team_rows(session: Session, manager: User, reps: list[User], now: datetime) -> list[RepRow]:
    """One row per rep: their open tasks overdue and due today, meetings today, open guided actions, and open
    deals past close date or stalled, all as the manager may view them."""
    counts: dict[str, dict[str, int]] = {rep.id: {} for rep in reps}
    for tz, ids in _by_zone(reps).items():
        today = local_date(now, tz)
        start, end = day_bounds(today, tz)
        snoozed = select(TaskSnooze.activity_id).where(
            TaskSnooze.activity_id == Activity.id, TaskSnooze.until > now
        )
        tasks = visible(
            select(
                Activity.owner_id,
                func.count(case((Activity.due_at < start, 1))),
                func.count(case((and_(Activity.due_at >= start, Activity.due_at < end), 1))),
            )
            .where(
                Activity.type == "task",
                Activity.owner_id.in_(ids),
                Activity.status.is_distinct_from("completed"),
                ~snoozed.exists(),
            )
            .group_by(Activity.owner_id),
            manager,
            "activities",
        )
        for owner, (overdue, due_today) in _grouped(session, tasks).items():
            counts[owner].update(overdue=overdue, due_today=due_today)
        meetings = visible(
            select(Activity.owner_id, func.count())
            .where(
                Activity.type == "meeting",
                Activity.owner_id.in_(ids),
                Activity.start_at >= start,
                Activity.start_at < end,
                Activity.outcome.is_distinct_from("canceled"),
            )
            .group_by(Activity.owner_id),
            manager,
            "activities",
        )
        for owner, (n,) in _grouped(session, meetings).items():
            counts[owner]["meetings_today"] = n
        deals = visible(
            open_deals(ids)
            .with_only_columns(Deal.owner_id, func.count())
            .where(or_(Deal.close_date < today, stalled(now)))
            .group_by(Deal.owner_id),
            manager,
            "deals",
        )
        for owner, (n,) in _grouped(session, deals).items():
            counts[owner]["deals_at_risk"] = n
    ids = [rep.id for rep in reps]
    actions = (
        select(Action.user_id, Action.rule, func.count())
        .where(
            Action.user_id.in_(ids),
            or_(
                Action.state == ActionState.OPEN.value,
                and_(Action.state == ActionState.SNOOZED.value, Action.snoozed_until <= now),
            ),
        )
        .group_by(Action.user_id, Action.rule)
    )
    rules_off = rules_off_by_user(session, ids)
    for user_id, rule, n in session.execute(actions):
        if rule not in rules_off[user_id]:
            counts[user_id]["open_actions"] = counts[user_id].get("open_actions", 0) + n
    return [RepRow(rep.id, rep.name, **counts[rep.id]) for rep in reps]


@dataclass(frozen=True)
class SlippedDeal:
    id: str
    name: str
    owner_id: str | None
    close_date: date | None
    previous_close_date: date | None  # set when the close date was pushed back this week
    amount: Any


def week_start(today: date) -> date:
    return today - timedelta(days=today.weekday())


def slipped_deals(
    session: Session, manager: User, owner_ids: list[str], now: datetime, limit: int
) -> tuple[list[SlippedDeal], int]:
    """Open deals of the team whose close date passed, or was pushed back this week (the manager's week);
    the first ``limit`` (most valuable first) and how many in all."""
    today = local_date(now, manager.timezone)
    since, _ = day_bounds(week_start(today), manager.timezone)
    earlier = (
        select(DealCloseDate.close_date)
        .where(DealCloseDate.deal_id == Deal.id, DealCloseDate.at < since)
        .order_by(DealCloseDate.at.desc(), DealCloseDate.position.desc())
        .limit(1)
        .scalar_subquery()
    )
    moved_this_week = exists(
        select(DealCloseDate.deal_id).where(DealCloseDate.deal_id == Deal.id, DealCloseDate.at >= since)
    )
    pushed = and_(moved_this_week, Deal.close_date > earlier)
    stmt = visible(
        open_deals(owner_ids)
        .with_only_columns(
            Deal.id, Deal.name, Deal.owner_id, Deal.close_date, earlier.label("before"), Deal.amount
        )
        .where(or_(Deal.close_date < today, pushed)),
        manager,
        "deals",
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Deal.amount.desc().nulls_last(), Deal.id).limit(limit))
    out = [
        SlippedDeal(
            r.id, r.name, r.owner_id, r.close_date, r.before if r.before != r.close_date else None, r.amount
        )
        for r in rows
    ]
    return out, total


def idle_deals(
    session: Session, manager: User, owner_ids: list[str], now: datetime, limit: int
) -> tuple[list[tuple[str, str, str | None]], int]:
    """Open deals of the team with no upcoming meeting and no open task: ``(id, name, owner_id)``."""
    stmt = visible(
        open_deals(owner_ids)
        .with_only_columns(Deal.id, Deal.name, Deal.owner_id)
        .where(no_next_activity(now)),
        manager,
        "deals",
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Deal.amount.desc().nulls_last(), Deal.id).limit(limit))
    return [(r.id, r.name, r.owner_id) for r in rows], total
