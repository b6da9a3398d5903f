"""Redrawing a sent digest after a click: the same lines in the same sections, each showing its state now
(completed, snoozed until when, dismissed...), with today's counts.

A delivery row keeps the refs each section listed (``items``). Lines still open come from the current
digest; lines that are not (done, snoozed, expired, or pushed past the section's first lines) are described
again from the CRM, through the permission filter, with their status. Section totals count what is open now
plus what the message lists as done, so "+N more" still counts the open items the message does not show.
With HubSpot connected, a task line changed since the message was posted also says where that change stands
in HubSpot (``crm.queries.writeback``: read from the queue each time, so any later redraw is right).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.digest.content import Digest, load_digest
from bot.digest.render import message_payload
from bot.interactions.snooze import describe_until
from bot.lines import Describer, Line
from crm.models import Action, Activity, DigestDelivery, TaskSnooze, User
from crm.permissions import visible
from crm.queries.digest import ActionRow
from crm.queries.writeback import saved_states
from rules.registry import DigestEntry


def find_delivery(session: Session, user: User, channel: str, ts: str) -> DigestDelivery | None:
    """The user's digest posted as message ``ts`` in ``channel``, if that message is one."""
    stmt = select(DigestDelivery).where(
        DigestDelivery.user_id == user.id, DigestDelivery.channel == channel, DigestDelivery.ts == ts
    )
    return session.scalars(stmt).first()


def redrawn_digest(session: Session, user: User, delivery: DigestDelivery, now: datetime) -> Digest:
    digest = load_digest(session, user, now, channel=delivery.channel)
    listed: dict[str, list[str]] = delivery.items or {}
    current = {line.ref: line for section in digest.sections for line in section.lines}
    others = _Others(
        session, user, now, [ref for refs in listed.values() for ref in refs if ref not in current]
    )
    for section in digest.sections:
        lines: list[Line] = []
        for ref in listed.get(section.key, []):
            line = current.get(ref) or others.line(ref, overdue=section.key == "overdue")
            if line is not None:
                lines.append(line)
        done = sum(1 for line in lines if line.status)
        section.lines = lines
        section.total += done
    _with_hubspot_states(session, digest, delivery)
    return digest


def _with_hubspot_states(session: Session, digest: Digest, delivery: DigestDelivery) -> None:
    """Each task line changed since the message was posted shows where its change stands in HubSpot, as the
    write-back queue has it now (nothing without HubSpot: nothing is queued)."""
    tasks = [line.ref.partition(":")[2] for s in digest.sections for line in s.lines if line.kind == "task"]
    states = saved_states(session, "tasks", tasks, since=delivery.sent_at or delivery.claimed_at)
    if not states:
        return
    for section in digest.sections:
        section.lines = [
            replace(line, saved=states[line.ref.partition(":")[2]])
            if line.kind == "task" and line.ref.partition(":")[2] in states
            else line
            for line in section.lines
        ]


def redraw_payload(
    session: Session, user: User, channel: str, ts: str, now: datetime, *, home_url: str | None = None
) -> dict[str, Any] | None:
    """``chat.update`` arguments redrawing the digest message ``ts``, or None when it is not a digest."""
    delivery = find_delivery(session, user, channel, ts)
    if delivery is None:
        return None
    payload = message_payload(redrawn_digest(session, user, delivery, now), home_url=home_url)
    return {**payload, "channel": channel, "ts": ts}


class _Others:
    """Lines for listed items that are not open lines of the current digest, described with their state."""

    def __init__(self, session: Session, user: User, now: datetime, refs: list[str]) -> None:
        self.user = user
        self.now = now
        ids = {
            kind: [r.partition(":")[2] for r in refs if r.startswith(kind + ":")]
            for kind in ("task", "action")
        }
        action_ids = [int(i) for i in ids["action"] if i.isascii() and i.isdigit() and len(i) <= 18]
        self.tasks: dict[str, Activity] = {}
        if ids["task"]:
            stmt = visible(
                select(Activity).where(Activity.id.in_(ids["task"]), Activity.type == "task"),
                user,
                "activities",
            )
            self.tasks = {t.id: t for t in session.scalars(stmt)}
        self.snoozes: dict[str, datetime] = {}
        if self.tasks:
            snoozes = select(TaskSnooze.activity_id, TaskSnooze.until).where(
                TaskSnooze.activity_id.in_(list(self.tasks))
            )
            self.snoozes = {row.activity_id: row.until for row in session.execute(snoozes)}
        self.actions: dict[int, Action] = {}
        if action_ids:
            stmt_a = select(Action).where(Action.id.in_(action_ids), Action.user_id == user.id)
            self.actions = {a.id: a for a in session.scalars(stmt_a)}
        self.rows = {
            a.id: ActionRow(
                a.id,
                a.rule,
                a.category,
                a.created_at,
                a.subject_type,
                a.subject_id,
                a.contact_id,
                a.company_id,
            )
            for a in self.actions.values()
        }
        self.describer = Describer(session, user)
        self.describer.prefetch(list(self.rows.values()), list(self.tasks.values()), [])

    def line(self, ref: str, *, overdue: bool) -> Line | None:
        kind, _, id_ = ref.partition(":")
        if kind == "task" and id_ in self.tasks:
            task = self.tasks[id_]
            return replace(self.describer.task_line(task, due=overdue), status=self._task_status(task))
        if (
            kind == "action"
            and id_.isascii()
            and id_.isdigit()
            and len(id_) <= 18
            and int(id_) in self.actions
        ):
            action = self.actions[int(id_)]
            entry = DigestEntry(action.rule, [self.rows[action.id]])
            line = self.describer.entry_line(entry, high_priority_today=0)
            return replace(line, status=self._action_status(action))
        if kind == "bundle":
            line = self.describer.entry_line(DigestEntry(id_, []), high_priority_today=0)
            return replace(line, status="all done")
        return None  # a meeting no longer today, or a record the user may no longer see

    def _task_status(self, task: Activity) -> str | None:
        if task.status == "completed":
            return "completed"
        if task.owner_id != self.user.id:
            return "reassigned"
        until = self.snoozes.get(task.id)
        if until is not None and until > self.now:
            return f"snoozed until {describe_until(until, self.user.timezone, self.now)}"
        return None

    def _action_status(self, action: Action) -> str | None:
        if action.state == "snoozed" and action.snoozed_until is not None and action.snoozed_until > self.now:
            return f"snoozed until {describe_until(action.snoozed_until, self.user.timezone, self.now)}"
        if action.state in ("completed", "dismissed", "expired"):
            return action.state
        return None
