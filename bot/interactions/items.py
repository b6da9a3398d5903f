"""Complete, snooze, dismiss and give feedback on a digest or Home line, whatever its kind.

Tasks change through ``crm.changes.tasks``; guided actions through ``rules.actions``. Both check that the
actor may change the record (``PermissionDenied`` otherwise, saying nothing about it) and are idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.interactions.refs import BadRef, Ref
from bot.interactions.snooze import describe_until, snooze_until
from crm.changes import tasks
from crm.models import Activity, User
from rules import actions


@dataclass(frozen=True)
class ItemResult:
    """What a click did: whether it changed anything, a short line for the user, and the task it
    completed (for the follow-up prompt)."""

    changed: bool
    message: str
    completed_task: Activity | None = None


def _only(ref: Ref, *kinds: str) -> None:
    if ref.kind not in kinds:
        raise BadRef(f"a {ref.kind} line has no such button")


def complete_item(session: Session, actor: User, ref: Ref, now: datetime) -> ItemResult:
    _only(ref, "task", "action")
    if ref.kind == "task":
        change = tasks.complete_task(session, ref.id, actor, now)
        message = "Task completed." if change.changed else "This task is already completed."
        return ItemResult(change.changed, message, change.task if change.changed else None)
    outcome = actions.complete(session, ref.action_id, actor, now)
    return ItemResult(outcome.changed, "Done." if outcome.changed else f"This action is {outcome.message}.")


def snooze_item(session: Session, actor: User, ref: Ref, choice: str, now: datetime) -> ItemResult:
    _only(ref, "task", "action")
    until = snooze_until(actor, choice, now)
    when = describe_until(until, actor.timezone, now)
    if ref.kind == "task":
        change = tasks.snooze_task(session, ref.id, actor, until, now)
        if change.changed:
            return ItemResult(True, f"Snoozed until {when}.")
        if change.task.status == "completed":
            return ItemResult(False, "This task is already completed.")
        return ItemResult(False, f"Already snoozed until {when}.")
    outcome = actions.snooze(session, ref.action_id, actor, until, now)
    if outcome.changed:
        return ItemResult(True, f"Snoozed until {when}.")
    if outcome.action.state == "snoozed":
        return ItemResult(False, f"Already snoozed until {when}.")
    return ItemResult(False, f"This action is already {outcome.action.state}.")


def dismiss_item(session: Session, actor: User, ref: Ref, now: datetime) -> ItemResult:
    _only(ref, "action")
    outcome = actions.dismiss(session, ref.action_id, actor, now)
    return ItemResult(
        outcome.changed, "Dismissed." if outcome.changed else f"This action is {outcome.message}."
    )


def feedback_item(
    session: Session, actor: User, ref: Ref, kind: str, comment: str | None, now: datetime
) -> ItemResult:
    _only(ref, "action")
    outcome = actions.feedback(session, ref.action_id, actor, kind, comment, now)
    return ItemResult(
        outcome.changed, "Thanks for the feedback." if outcome.changed else "Feedback already recorded."
    )
