"""Writing reps' changes back to HubSpot: the sender of the queue ``crm.changes.writeback`` fills, the
queue's numbers for ``salesbot hubspot status``, and the rep's Retry."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from crm.models import WritebackEntry


def queue_counts(session: Session | Connection) -> dict[str, int]:
    """Entries per state (pending, sent, conflict, failed), every state present (0 when none); for
    ``salesbot hubspot status`` (a session or a connection)."""
    counts = dict.fromkeys(("pending", "sent", "conflict", "failed"), 0)
    for state, n in session.execute(
        select(WritebackEntry.state, func.count()).group_by(WritebackEntry.state)
    ):
        counts[str(state)] = int(n)
    return counts


def failed_entries(session: Session, limit: int = 20) -> list[WritebackEntry]:
    return list(
        session.scalars(
            select(WritebackEntry)
            .where(WritebackEntry.state == "failed")
            .order_by(WritebackEntry.id.desc())
            .limit(limit)
        )
    )


def retry(session: Session, entry_id: int, actor_id: str | None, now: datetime) -> bool:
    """Put a failed entry back in the queue, due now; only its own rep's (``actor_id``), or any for an
    operator (None). False when there is no such failed entry."""
    stmt = update(WritebackEntry).where(WritebackEntry.id == entry_id, WritebackEntry.state == "failed")
    if actor_id is not None:
        stmt = stmt.where(WritebackEntry.actor_id == actor_id)
    row = session.execute(
        stmt.values(state="pending", attempts=0, next_attempt_at=now, lease_until=None)
        .returning(WritebackEntry.id)
        .execution_options(synchronize_session=False)
    ).first()
    return row is not None
