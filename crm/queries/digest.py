"""The statements a digest runs for one user, built once per permission shape and run with each user's values.

A digest makes about eight queries, and a morning sends one digest per rep. Building and cache-keying
SQLAlchemy statements cost several times what running them does, so ``digest_statements(user)`` builds them
once for every user of the same ``crm.permissions.permission_shape`` (the filter stated with bind
parameters: ``visible(..., bound=True)``) and ``digest_params(user, now)`` gives the values. The statements
are the same builders Home uses (``crm.queries.workspace``), given bind parameters instead of values.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from crm.models import Action, Activity, ActivityContact, Company, Contact, Deal, User
from crm.models.action import ActionState
from crm.models.base import UTCDateTime
from crm.permissions import permission_params, permission_shape, visible
from crm.queries.rule_switches import rules_off_for
from crm.queries.workspace import meetings_between, task_days, tasks_by_day_select

# Items loaded per section: more than a message can show (the rest is counted as "+N more").
SECTION_LIMIT = 25


def _instant(name: str) -> Any:
    return bindparam(name, type_=UTCDateTime())


def _ids(name: str) -> Any:
    return bindparam(name, type_=String(), expanding=True)


@dataclass(frozen=True)
class DigestStatements:
    """Each runs with ``digest_params``; the ``*_by_id`` ones also with their ``ids`` list."""

    tasks: Select[*tuple[Any, ...]]  # the task sections (rows of crm.queries.workspace.tasks_by_day_select)
    meetings: Select[*tuple[Any, ...]]  # today's meetings, first SECTION_LIMIT, with the total
    actions: Select[*tuple[Any, ...]]  # guided actions to show: open, or snoozed until no later than now
    activities_by_id: Select[*tuple[Any, ...]]
    deals_by_id: Select[*tuple[Any, ...]]
    contact_links: Select[
        *tuple[Any, ...]
    ]  # (activity_id, contact_id) of the given activities, in position order
    contacts_by_id: Select[*tuple[Any, ...]]
    companies_by_id: Select[*tuple[Any, ...]]


def digest_params(user: User, now: datetime) -> dict[str, Any]:
    """The values of the digest statements' parameters for ``user`` at ``now``."""
    today_start, tomorrow_start, day_after_start = task_days(user, now)
    return {
        **permission_params(user),
        "owner_id": user.id,
        "now": now,
        "today_start": today_start,
        "tomorrow_start": tomorrow_start,
        "day_after_start": day_after_start,
    }


_built: dict[tuple[Any, ...], DigestStatements] = {}
_lock = threading.Lock()


def digest_statements(user: User) -> DigestStatements:
    """The digest statements for users of ``user``'s permission shape, built on first use."""
    shape = permission_shape(user)
    statements = _built.get(shape)
    if statements is None:
        with _lock:
            statements = _built.get(shape)
            if statements is None:
                statements = _built[shape] = _build(user)
    return statements


def _build(viewer: User) -> DigestStatements:
    owner, now = bindparam("owner_id", type_=String()), _instant("now")
    days = (_instant("today_start"), _instant("tomorrow_start"), _instant("day_after_start"))
    meetings = (
        meetings_between(owner, days[0], days[1], viewer, bound=True)
        .with_only_columns(
            Activity.id,
            Activity.title,
            Activity.start_at,
            Activity.end_at,
            Activity.link,
            func.count().over().label("total"),  # counted before the limit applies
        )
        .order_by(Activity.start_at, Activity.id)
        .limit(SECTION_LIMIT)
    )
    actions = select(
        Action.id,
        Action.rule,
        Action.category,
        Action.created_at,
        Action.subject_type,
        Action.subject_id,
        Action.contact_id,
        Action.company_id,
    ).where(
        Action.user_id == owner,
        or_(
            Action.state == ActionState.OPEN.value,
            and_(Action.state == ActionState.SNOOZED.value, Action.snoozed_until <= now),
        ),
    )
    return DigestStatements(
        tasks=tasks_by_day_select(owner, now, days, viewer, limit=SECTION_LIMIT, bound=True),
        meetings=meetings,
        actions=actions,
        activities_by_id=visible(
            select(
                Activity.id, Activity.subject, Activity.title, Activity.start_at, Activity.started_at
            ).where(Activity.id.in_(_ids("ids"))),
            viewer,
            "activities",
            bound=True,
        ),
        deals_by_id=visible(
            select(Deal.id, Deal.name).where(Deal.id.in_(_ids("ids"))), viewer, "deals", bound=True
        ),
        contact_links=select(ActivityContact.activity_id, ActivityContact.contact_id)
        .where(ActivityContact.activity_id.in_(_ids("ids")))
        .order_by(ActivityContact.activity_id, ActivityContact.position),
        contacts_by_id=visible(
            select(Contact.id, Contact.first_name, Contact.last_name, Contact.email).where(
                Contact.id.in_(_ids("ids"))
            ),
            viewer,
            "contacts",
            bound=True,
        ),
        companies_by_id=visible(
            select(Company.id, Company.name).where(Company.id.in_(_ids("ids"))),
            viewer,
            "companies",
            bound=True,
        ),
    )


@dataclass(frozen=True, slots=True)
class ActionRow:
    """The columns of a guided action a digest line needs (lighter than the ORM object)."""

    id: int
    rule: str
    category: str
    created_at: datetime
    subject_type: str
    subject_id: str
    contact_id: str | None
    company_id: str | None


def live_actions(session: Session, user: User, now: datetime) -> list[ActionRow]:
    """The user's guided actions to show: open ones, and snoozed ones whose snooze is over."""
    rows = session.execute(digest_statements(user).actions, {"owner_id": user.id, "now": now})
    off = rules_off_for(session, user.id)  # switched off by the user or the org: not shown (product.md)
    return [ActionRow(*row) for row in rows if row.rule not in off]
