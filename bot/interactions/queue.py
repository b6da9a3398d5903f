"""The bundled-actions queue: "Start" on a bundled digest line walks through its members one at a time.

Members by rule: R06 the meetings waiting for an outcome, R08 the calls waiting for one, R04 the sequence
tasks due, R13 today's open high-priority tasks. The queue is a list of refs kept in the modal's
``private_metadata`` with a position; every step re-reads the current member through the permission filter
and skips members that are no longer the user's or no longer waiting, so a stale modal cannot act on them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.interactions.snooze import describe_until, snooze_until
from bot.lines import Part, clip
from crm.changes.outcomes import log_outcome
from crm.changes.tasks import complete_task, snooze_task
from crm.models import Action, Activity, ActivityContact, Contact, User
from crm.models.action import LIVE_STATES
from crm.permissions import visible
from crm.queries.workspace import tasks_due
from crm.record_links import RecordLinks
from rules.registry import ranked

# The Home tab's "Start queue" walks through the open tasks of one bucket (due today, overdue, tomorrow).
TASK_BUCKETS = ("today", "overdue", "tomorrow")
QUEUE_RULES = {"R04": "task", "R06": "meeting", "R08": "call", "R13": "task"} | {
    b: "task" for b in TASK_BUCKETS
}
QUEUE_LIMIT = 200  # tasks read for a Home queue; the metadata holds fewer anyway
METADATA_LIMIT = 2800  # Slack allows 3,000 characters of private_metadata


class QueueError(ValueError):
    """A queue payload that is not one Salesbot made (forged or corrupted private_metadata)."""


@dataclass
class Queue:
    rule: str
    ids: list[str]
    pos: int = 0
    done: int = 0
    skipped: int = 0
    more: int = 0  # members left out because the metadata is full
    channel: str | None = None
    home: bool = False  # started from the Home tab: each step re-publishes it

    @property
    def kind(self) -> str:
        return QUEUE_RULES[self.rule]

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> Queue:
        try:
            data = json.loads(text)
            queue = cls(**data)
        except (TypeError, ValueError) as exc:
            raise QueueError("not a queue") from exc
        if queue.rule not in QUEUE_RULES or not all(isinstance(i, str) for i in queue.ids):
            raise QueueError("not a queue")
        if not (0 <= queue.pos <= len(queue.ids)):
            raise QueueError("not a queue")
        return queue


@dataclass
class Member:
    """The current member, described for the modal (CRM text, escaped by the builder)."""

    id: str
    kind: str  # meeting | call | task
    title: str
    when: datetime | None
    contacts: list[Part] = field(default_factory=list)  # names, linked to their records
    link: str | None = None
    detail: str | None = None  # a call's status and duration, a task's priority


def start(
    session: Session, user: User, rule: str, now: datetime, *, channel: str | None = None, home: bool = False
) -> Queue:
    """A queue over ``rule``'s current members for ``user``, in digest order (oldest first); ``rule`` may
    also be a task bucket of the Home tab (``today``, ``overdue``, ``tomorrow``)."""
    if rule not in QUEUE_RULES:
        raise QueueError(f"{rule} is not a bundled rule")
    if rule in TASK_BUCKETS:
        ids = _bucket_tasks(session, user, rule, now)
    elif rule == "R13":
        stmt = tasks_due(user, "today", now).where(Activity.priority == "high")
        ids = [t.id for t in session.scalars(stmt.order_by(Activity.due_at, Activity.id))]
    else:
        actions = session.scalars(
            select(Action).where(
                Action.user_id == user.id,
                Action.rule == rule,
                Action.state.in_(LIVE_STATES),
                Action.snoozed_until.is_(None) | (Action.snoozed_until <= now),
            )
        ).all()
        ids = [a.subject_id for a in ranked(actions)]
    queue = Queue(rule=rule, ids=[], channel=channel, home=home)
    for id_ in ids:
        queue.ids.append(id_)
        if len(queue.dumps()) > METADATA_LIMIT:
            queue.ids.pop()
            queue.more = len(ids) - len(queue.ids)
            break
    return queue


def _bucket_tasks(session: Session, user: User, bucket: str, now: datetime) -> list[str]:
    stmt = tasks_due(user, bucket, now).order_by(Activity.due_at, Activity.id).limit(QUEUE_LIMIT)
    return list(session.scalars(stmt.with_only_columns(Activity.id)))


def snooze_member(
    session: Session, user: User, queue: Queue, member_id: str, choice: str, now: datetime
) -> str:
    """Snooze the current task of the queue (``choice`` as in the digest's menu), then move on."""
    if queue.kind != "task" or queue.pos >= len(queue.ids) or queue.ids[queue.pos] != member_id:
        raise QueueError("this queue moved on; start it again")
    until = snooze_until(user, choice, now)
    change = snooze_task(session, member_id, user, until, now)
    queue.pos += 1
    queue.done += 1
    return f"Snoozed until {describe_until(until, user.timezone, now)}." if change.changed else change.message


def _waiting(activity: Activity, kind: str, user: User, now: datetime) -> bool:
    if activity.owner_id != user.id and not user.is_super_admin:
        return False
    if kind == "meeting":
        return activity.outcome in (None, "", "scheduled")
    if kind == "call":
        return not activity.outcome
    return activity.status != "completed"


def current(session: Session, user: User, queue: Queue, now: datetime) -> Member | None:
    """The member at ``queue.pos``, moving past members no longer waiting; None at the end."""
    while queue.pos < len(queue.ids):
        activity = session.scalars(
            visible(
                select(Activity).where(Activity.id == queue.ids[queue.pos], Activity.type == queue.kind),
                user,
                "activities",
            )
        ).first()
        if activity is not None and _waiting(activity, queue.kind, user, now):
            return _describe(session, user, activity, queue.kind)
        queue.pos += 1
    return None


def _describe(session: Session, user: User, activity: Activity, kind: str) -> Member:
    contacts = visible(
        select(Contact.id, Contact.first_name, Contact.last_name, Contact.email)
        .join(ActivityContact, ActivityContact.contact_id == Contact.id)
        .where(ActivityContact.activity_id == activity.id)
        .order_by(ActivityContact.position)
        .limit(5),
        user,
        "contacts",
    )
    rows = session.execute(contacts).all()
    urls = RecordLinks.load(session).urls({"contact": [row.id for row in rows]}) if rows else {}
    names = [
        Part(
            clip(f"{first or ''} {last or ''}".strip() or (email or "a contact")),
            True,
            urls.get(("contact", id_)),
        )
        for id_, first, last, email in rows
    ]
    if kind == "meeting":
        return Member(activity.id, kind, activity.title or "Meeting", activity.start_at, names, activity.link)
    if kind == "call":
        minutes = round((activity.duration_s or 0) / 60)
        detail = f"{activity.status or 'no status'}, {minutes} min"
        return Member(activity.id, kind, activity.title or "Call", activity.started_at, names, detail=detail)
    return Member(
        activity.id,
        kind,
        activity.title or "Task",
        activity.due_at,
        names,
        detail=f"{activity.priority} priority",
    )


def act(
    session: Session, user: User, queue: Queue, member_id: str, outcome: str | None, now: datetime
) -> str:
    """Apply the member's input (an outcome for a meeting or call, completion for a task), then move on.
    ``member_id`` must be the member the modal showed (a stale or forged modal changes nothing)."""
    if queue.pos >= len(queue.ids) or queue.ids[queue.pos] != member_id:
        raise QueueError("this queue moved on; start it again from the digest")
    if queue.kind == "task":
        message = complete_task(session, member_id, user, now).message
    else:
        if not outcome:
            raise ValueError("choose an outcome")
        message = log_outcome(session, member_id, queue.kind, user, outcome, now).message
    queue.pos += 1
    queue.done += 1
    return message


def skip(queue: Queue, member_id: str) -> None:
    if queue.pos < len(queue.ids) and queue.ids[queue.pos] == member_id:
        queue.pos += 1
        queue.skipped += 1
