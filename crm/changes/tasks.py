"""Tasks: complete, snooze, and create (the follow-up task after completing one)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm.changes import writeback
from crm.changes.ownership import owned_activity
from crm.isotime import format_time
from crm.models import (
    Activity,
    ActivityCompany,
    ActivityContact,
    ActivityDeal,
    ActivityLead,
    Company,
    Contact,
    Deal,
    Lead,
    TaskSnooze,
    User,
)
from crm.permissions import Kind, PermissionDenied, visible

PRIORITIES = ("high", "medium", "low", "none")
TITLE_LIMIT = 200


@dataclass(frozen=True)
class TaskChange:
    """The task after the change, whether this call changed it, and a line to show the user."""

    task: Activity
    changed: bool
    message: str


def complete_task(session: Session, task_id: str, actor: User, now: datetime) -> TaskChange:
    """Mark the task completed (``status``, ``completed_at``); a snooze on it ends. A second call changes
    nothing and says so."""
    task = owned_activity(session, actor, task_id, "task")
    if task.status == "completed":
        return TaskChange(task, False, "this task is already completed")
    before = task.status
    task.status = "completed"
    task.completed_at = now
    session.execute(delete(TaskSnooze).where(TaskSnooze.activity_id == task.id))
    session.flush()
    writeback.enqueue(
        session, kind="complete_task", object_type="tasks", record_id=task.id, actor_id=actor.id, now=now,
        change={"status": (before, "completed")},
    )  # fmt: skip
    return TaskChange(task, True, "completed")


def snooze_task(session: Session, task_id: str, actor: User, until: datetime, now: datetime) -> TaskChange:
    """Hide the task from digests and the Home tab until ``until``; snoozing again moves the time."""
    if until <= now:
        raise ValueError("snooze until a time in the future")
    task = owned_activity(session, actor, task_id, "task")
    if task.status == "completed":
        return TaskChange(task, False, "this task is already completed")
    snooze = session.get(TaskSnooze, task.id, with_for_update=True)
    if snooze is not None and snooze.until == until:
        return TaskChange(task, False, f"already snoozed until {format_time(until)}")
    if snooze is None:
        session.add(TaskSnooze(activity_id=task.id, user_id=actor.id, until=until, snoozed_at=now))
    else:
        snooze.until, snooze.snoozed_at, snooze.user_id = until, now, actor.id
    session.flush()
    writeback.enqueue(
        session, kind="snooze_task", object_type="tasks", record_id=task.id, actor_id=actor.id, now=now,
        change={"due_at": (task.due_at, until)},
    )  # fmt: skip
    return TaskChange(task, True, f"snoozed until {format_time(until)}")


def snoozed_until(session: Session, task_id: str, now: datetime) -> datetime | None:
    until = session.scalar(select(TaskSnooze.until).where(TaskSnooze.activity_id == task_id))
    return until if until is not None and until > now else None


@dataclass
class Associations:
    """Records a task is about, by kind (ids, in order)."""

    contacts: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    deals: list[str] = field(default_factory=list)
    leads: list[str] = field(default_factory=list)

    def items(self) -> list[tuple[Kind, list[str]]]:
        return [
            ("contacts", self.contacts),
            ("companies", self.companies),
            ("deals", self.deals),
            ("leads", self.leads),
        ]


# Per kind: the link table, its record-id column, the record's model.
_LINKS: dict[str, tuple[Any, Any, Any]] = {
    "contacts": (ActivityContact, ActivityContact.contact_id, Contact),
    "companies": (ActivityCompany, ActivityCompany.company_id, Company),
    "deals": (ActivityDeal, ActivityDeal.deal_id, Deal),
    "leads": (ActivityLead, ActivityLead.lead_id, Lead),
}


def visible_associations(session: Session, actor: User, activity_id: str) -> Associations:
    """The records ``activity_id`` is associated with that ``actor`` may view, in their order."""
    found = Associations()
    for kind, ids in found.items():
        link, column, model = _LINKS[kind]
        stmt = visible(
            select(column)
            .join(model, model.id == column)
            .where(link.activity_id == activity_id)
            .order_by(link.position),
            actor,
            kind,
        )
        ids.extend(session.scalars(stmt))
    return found


def create_task(
    session: Session,
    actor: User,
    *,
    title: str,
    due_at: datetime,
    priority: str,
    associations: Associations,
    now: datetime,
) -> Activity:
    """A new open task owned by ``actor``, associated with records the actor may view (any other is
    ``PermissionDenied``). Raises ``ValueError`` for an empty or too long title or an unknown priority."""
    title = " ".join(title.split())
    if not title:
        raise ValueError("a task needs a title")
    if len(title) > TITLE_LIMIT:
        raise ValueError(f"a title has at most {TITLE_LIMIT} characters")
    if priority not in PRIORITIES:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")
    for kind, ids in associations.items():
        model = _LINKS[kind][2]
        if ids:
            seen = set(session.scalars(visible(select(model.id).where(model.id.in_(ids)), actor, kind)))
            if seen != set(ids):
                raise PermissionDenied("you may not link the task to one of those records")
    task = Activity(
        id=f"task-{uuid.uuid4().hex}",
        type="task",
        owner_id=actor.id,
        private=False,
        title=title,
        due_at=due_at,
        priority=priority,
        status="not_started",
        task_type="todo",
        created_at=now,
    )
    task.refresh_times()
    session.add(task)
    session.flush()
    for kind, ids in associations.items():
        link = _LINKS[kind][0]
        column = _LINKS[kind][1].key
        for position, record_id in enumerate(ids):
            session.add(link(activity_id=task.id, position=position, **{column: record_id}))
    session.flush()
    writeback.enqueue(
        session, kind="create_task", object_type="tasks", record_id=task.id, actor_id=actor.id, now=now,
        create=True,
    )  # fmt: skip
    return task
