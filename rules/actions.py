"""What users do with their guided actions: complete, dismiss, snooze, give feedback; and the scheduler's
un-snoozing of actions whose snooze is over.

Each change checks that the acting user owns the action or is a super admin (anything else, a missing action
included, is ``PermissionDenied`` and says nothing about the action), is idempotent (a second click changes
nothing and says so), records who and when, and never commits: the caller owns the session.

Changes are conditional ``UPDATE``s (``... WHERE state IN ('open', 'snoozed')``), so two clicks racing each
other cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, update
from sqlalchemy.orm import Session

from crm.isotime import format_time
from crm.models import Action, User
from crm.models.action import LIVE_STATES, ActionState, Feedback
from crm.permissions import PermissionDenied

ACTIONS = cast(Table, Action.__table__)


@dataclass(frozen=True)
class Outcome:
    """The action after the change, whether this call changed it, and a line to show the user."""

    action: Action
    changed: bool
    message: str


def complete(session: Session, action_id: int, actor: User, now: datetime) -> Outcome:
    return _end(session, action_id, actor, now, ActionState.COMPLETED)


def dismiss(session: Session, action_id: int, actor: User, now: datetime) -> Outcome:
    return _end(session, action_id, actor, now, ActionState.DISMISSED)


def snooze(session: Session, action_id: int, actor: User, until: datetime, now: datetime) -> Outcome:
    """Hide the action until ``until`` (it can still expire meanwhile); snoozing again moves the time."""
    if until <= now:
        raise ValueError("snooze until a time in the future")
    action = _owned(session, action_id, actor)
    if action.state == ActionState.SNOOZED and action.snoozed_until == until:
        return Outcome(action, False, f"already snoozed until {format_time(until)}")
    changed = _update(
        session,
        action,
        ACTIONS.c.state.in_(LIVE_STATES),
        state=ActionState.SNOOZED.value,
        snoozed_until=until,
        acted_by=actor.id,
    )
    if changed:
        return Outcome(action, True, f"snoozed until {format_time(until)}")
    return Outcome(action, False, f"already {action.state}")


def feedback(
    session: Session, action_id: int, actor: User, kind: str, comment: str | None, now: datetime
) -> Outcome:
    """Record ``keep_it_up`` or ``not_really`` (and an optional comment), in any state; the same feedback
    twice changes nothing, a different one replaces it."""
    kind = Feedback(kind).value  # ValueError for anything else
    comment = (comment or "").strip() or None
    action = _owned(session, action_id, actor)
    # IS NOT DISTINCT FROM on both: a NULL (no feedback yet) must compare as "different", not as unknown.
    same = and_(
        ACTIONS.c.feedback.is_not_distinct_from(kind),
        ACTIONS.c.feedback_comment.is_not_distinct_from(comment),
    )
    changed = _update(
        session, action, ~same, feedback=kind, feedback_comment=comment, feedback_at=now, feedback_by=actor.id
    )
    return Outcome(action, changed, "thanks for the feedback" if changed else "feedback already recorded")


def unsnooze_due(session: Session, now: datetime) -> int:
    """Reopen every snoozed action whose snooze is over (``snoozed_until <= now``); how many."""
    result = cast(
        CursorResult[Any],
        session.connection().execute(
            update(ACTIONS)
            .where(ACTIONS.c.state == ActionState.SNOOZED.value, ACTIONS.c.snoozed_until <= now)
            .values(state=ActionState.OPEN.value, snoozed_until=None)
        ),
    )
    return result.rowcount


def _end(session: Session, action_id: int, actor: User, now: datetime, state: ActionState) -> Outcome:
    action = _owned(session, action_id, actor)
    changed = _update(
        session, action, ACTIONS.c.state.in_(LIVE_STATES), state=state.value, acted_by=actor.id, ended_at=now
    )
    return Outcome(action, changed, state.value if changed else f"already {action.state}")


def _owned(session: Session, action_id: int, actor: User) -> Action:
    action = session.get(Action, action_id)
    if action is None or not (actor.is_super_admin or action.user_id == actor.id):
        raise PermissionDenied("you may not change that action")
    return action


def _update(session: Session, action: Action, condition: Any, **values: Any) -> bool:
    """Apply ``values`` if ``condition`` still holds in the database; reload the action either way."""
    result = cast(
        CursorResult[Any],
        session.connection().execute(
            update(ACTIONS).where(ACTIONS.c.id == action.id, condition).values(**values)
        ),
    )
    session.refresh(action)
    return result.rowcount == 1
