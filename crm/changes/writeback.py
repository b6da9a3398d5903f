"""The write-back hook: a change made in Slack queues an entry for HubSpot in the same transaction.

The caller of a change (the Slack listener's unit of work) calls :func:`begin` on its session when HubSpot is
connected, with where the change came from; the change functions in ``crm.changes`` then call
:func:`enqueue`, which adds a ``WritebackEntry`` to the same session (committed with the change, or not at
all). Without :func:`begin` nothing is queued, and every change behaves exactly as without HubSpot.
:func:`queued` lists the entries this session added, for the caller to send once it committed.
``crm`` never imports the connector: the sender (``hubspot_connector.writeback``) reads these rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from crm.models import WritebackEntry

_ORIGIN = "salesbot.writeback.origin"
_QUEUED = "salesbot.writeback.queued"

# Salesbot's record kinds -> HubSpot object types, for the records changed here.
ACTIVITY_OBJECT_TYPES = {"task": "tasks", "call": "calls", "meeting": "meetings", "note": "notes"}


@dataclass(frozen=True)
class Origin:
    """Who made the change in Slack and where, so the sender can tell them how it went."""

    slack_user: str | None = None
    slack_team: str | None = None
    channel: str | None = None
    message_ts: str | None = None
    home: str | None = None  # the Home tab's state when the change came from Home ("": as Home opens)


def begin(session: Session, origin: Origin) -> None:
    """Queue write-backs for the changes made in ``session`` (HubSpot is connected)."""
    session.info[_ORIGIN] = origin


def queued(session: Session) -> list[int]:
    """Ids of the entries ``session`` queued (valid once it committed)."""
    return list(session.info.get(_QUEUED, []))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def enqueue(
    session: Session,
    *,
    kind: str,
    object_type: str,
    record_id: str,
    actor_id: str,
    now: datetime,
    change: dict[str, tuple[Any, Any]] | None = None,
    create: bool = False,
) -> WritebackEntry | None:
    """Queue a change for HubSpot when :func:`begin` was called on ``session``; else nothing (None).

    ``change`` maps each field changed to (before, after), in Salesbot's terms; a create needs none (the
    sender reads the new record)."""
    origin = session.info.get(_ORIGIN)
    if not isinstance(origin, Origin):
        return None
    entry = WritebackEntry(
        ref=uuid.uuid4().hex,
        kind=kind,
        operation="create" if create else "update",
        object_type=object_type,
        record_id=record_id,
        change={k: [_plain(b), _plain(a)] for k, (b, a) in (change or {}).items()},
        state="pending",
        attempts=0,
        next_attempt_at=now,
        actor_id=actor_id,
        slack_user=origin.slack_user,
        slack_team=origin.slack_team,
        channel=origin.channel,
        message_ts=origin.message_ts,
        home=origin.home,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    session.info.setdefault(_QUEUED, []).append(entry.id)
    return entry


def requeued(session: Session, entry_id: int) -> None:
    """Note an entry put back in the queue in ``session`` (a Retry), to be sent once it committed."""
    session.info.setdefault(_QUEUED, []).append(entry_id)
