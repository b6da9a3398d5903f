"""Outcomes of meetings and calls, logged from the bundled-actions queue (R06, R08) and the Home tab.

Logging an outcome writes it on the CRM record; the guided action asking for it expires on the next rules
run, because its creation criteria ("outcome not set") no longer hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from crm.changes import writeback
from crm.changes.ownership import owned_activity
from crm.models import Activity, User

# docs/dataset.md: a meeting's outcome; "scheduled" is the state before any outcome.
MEETING_OUTCOMES = ("completed", "rescheduled", "no_show", "canceled")
# A call's outcome is free text in the dataset; these are the choices offered in Slack.
CALL_OUTCOMES = ("Connected", "Left voicemail", "No answer", "Busy", "Wrong number", "Not interested")
OUTCOME_LIMIT = 200


@dataclass(frozen=True)
class OutcomeChange:
    activity: Activity
    changed: bool
    message: str


def log_outcome(
    session: Session, activity_id: str, kind: str, actor: User, outcome: str, now: datetime
) -> OutcomeChange:
    """Set the outcome of the actor's meeting or call (``kind``). ``ValueError`` for an outcome that is not
    one of the kind's choices; logging the same outcome again changes nothing."""
    if kind == "meeting":
        if outcome not in MEETING_OUTCOMES:
            raise ValueError(f"a meeting outcome is one of {', '.join(MEETING_OUTCOMES)}")
    elif kind == "call":
        outcome = " ".join(outcome.split())
        if not outcome or len(outcome) > OUTCOME_LIMIT:
            raise ValueError(f"a call outcome has 1 to {OUTCOME_LIMIT} characters")
    else:
        raise ValueError(f"no outcome for a {kind}")
    activity = owned_activity(session, actor, activity_id, kind)
    if activity.outcome == outcome:
        return OutcomeChange(activity, False, f"outcome already {outcome}")
    before = activity.outcome
    activity.outcome = outcome
    session.flush()
    writeback.enqueue(
        session, kind="log_outcome", object_type=writeback.ACTIVITY_OBJECT_TYPES[kind],
        record_id=activity.id, actor_id=actor.id, now=now, change={"outcome": (before, outcome)},
    )  # fmt: skip
    return OutcomeChange(activity, True, f"outcome logged: {outcome}")
