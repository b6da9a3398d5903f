"""Slack events already handled: the first delivery of an ``event_id`` wins, retries change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session

from crm.db import insert_on_conflict
from crm.models import SlackEvent

KEEP = timedelta(days=2)  # Slack retries within minutes; two days of ids is plenty


def first_delivery(session: Session, event_id: str, event_type: str, now: datetime) -> bool:
    """Record ``event_id``; True the first time, False for any later delivery (a retry or a replay)."""
    values = {"event_id": event_id[:64], "event_type": event_type[:64], "received_at": now}
    stmt = insert_on_conflict(session, SlackEvent, keys=["event_id"]).values(values)
    # RETURNING, not rowcount: with psycopg, SQLAlchemy reports rowcount -1 for this statement.
    inserted = session.execute(stmt.returning(SlackEvent.event_id)).first()
    return inserted is not None


def forget_old_events(session: Session, now: datetime) -> int:
    result = cast(
        CursorResult[Any], session.execute(delete(SlackEvent).where(SlackEvent.received_at < now - KEEP))
    )
    return result.rowcount
