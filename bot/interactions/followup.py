"""The follow-up task: what the "Create task" modal offers, and creating the task from its input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.slack.keys import key, restore
from crm.changes.tasks import Associations, create_task, visible_associations
from crm.localtime import zone
from crm.models import Activity, Company, Contact, Deal, Lead, User
from crm.permissions import visible

KIND_LABELS = {"contacts": "Contact", "companies": "Company", "deals": "Deal", "leads": "Lead"}
ID_COLUMNS = {"contacts": Contact.id, "companies": Company.id, "deals": Deal.id, "leads": Lead.id}
DUE_TIME = time(17, 0)  # a task due on a day is due at the end of the working day, in the user's zone


def _names(session: Session, actor: User, kind: str, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    if kind == "contacts":
        stmt = select(Contact.id, Contact.first_name, Contact.last_name, Contact.email).where(
            Contact.id.in_(ids)
        )
        rows = session.execute(visible(stmt, actor, "contacts"))
        return {r.id: f"{r.first_name or ''} {r.last_name or ''}".strip() or (r.email or r.id) for r in rows}
    if kind == "leads":
        stmt_l = select(Lead.id, Contact.first_name, Contact.last_name).join(
            Contact, Contact.id == Lead.contact_id
        )
        rows_l = session.execute(visible(stmt_l.where(Lead.id.in_(ids)), actor, "leads"))
        return {r.id: f"{r.first_name or ''} {r.last_name or ''}".strip() or r.id for r in rows_l}
    model = Company if kind == "companies" else Deal
    rows_n = session.execute(visible(select(model.id, model.name).where(model.id.in_(ids)), actor, kind))  # type: ignore[arg-type]
    return {r.id: r.name or r.id for r in rows_n}


def link_choices(session: Session, actor: User, task_id: str) -> list[LinkChoice]:
    """The completed task's records the actor may view, as checkbox choices (``kind:key(id)``)."""
    choices: list[LinkChoice] = []
    for kind, ids in visible_associations(session, actor, task_id).items():
        names = _names(session, actor, kind, ids)
        choices += [LinkChoice(f"{kind}:{key(i)}", f"{KIND_LABELS[kind]}: {names.get(i, i)}") for i in ids]
    return choices


@dataclass(frozen=True)
class LinkChoice:
    """A record the new task can be associated with: ``kind:id`` and its name."""

    value: str
    label: str


@dataclass(frozen=True)
class FollowUpInput:
    title: str
    due: date
    priority: str
    links: list[str]  # "kind:key(id)", as the modal offered them
    source_task_id: str | None = None  # the completed task whose records the modal offered


def create_follow_up(session: Session, actor: User, data: FollowUpInput, now: datetime) -> Activity:
    associations = Associations()
    by_kind = dict(associations.items())
    offered = (
        {c.value for c in link_choices(session, actor, data.source_task_id)} if data.source_task_id else set()
    )
    for value in data.links:
        if value not in offered:
            raise ValueError("that record was not offered")
        kind, _, id_ = value.partition(":")
        if kind not in by_kind or not id_:
            raise ValueError("unknown record")
        by_kind[kind].append(restore(session, id_, ID_COLUMNS[kind]))
    due_at = datetime.combine(data.due, DUE_TIME, zone(actor.timezone))
    return create_task(
        session,
        actor,
        title=data.title,
        due_at=due_at,
        priority=data.priority,
        associations=associations,
        now=now,
    )
