"""Pruning what only grows: handled Slack event ids, old digest deliveries, stale insight answers.

Retention (README, "Housekeeping"):

- ``slack_events``: two days (``crm.changes.events.KEEP``); Slack retries an event within minutes.
- ``digest_deliveries``: 90 days by local date. A row older than that is finished in every case (a claim's
  lease and retries end with its local day), and no digest that old is redrawn by a click any more.
- ``insight_cache``: entries marked stale (their inputs changed; the next request recomputes them anyway) and
  entries older than 90 days.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_
from sqlalchemy.orm import Session

from crm.changes.events import forget_old_events
from crm.models import DigestDelivery, InsightCacheEntry

KEEP_DELIVERIES = timedelta(days=90)
KEEP_INSIGHTS = timedelta(days=90)


def _deleted(session: Session, stmt: Any) -> int:
    return cast(CursorResult[Any], session.execute(stmt)).rowcount


def housekeeping(session: Session, now: datetime) -> dict[str, int]:
    """Delete what is past its retention at ``now``; rows removed per table."""
    # Local dates: a day's margin for the zones ahead of UTC.
    oldest_day = (now - KEEP_DELIVERIES).date() - timedelta(days=1)
    return {
        "slack_events": forget_old_events(session, now),
        "digest_deliveries": _deleted(
            session, delete(DigestDelivery).where(DigestDelivery.local_date < oldest_day)
        ),
        "insight_cache": _deleted(
            session,
            delete(InsightCacheEntry).where(
                or_(InsightCacheEntry.stale.is_(True), InsightCacheEntry.created_at < now - KEEP_INSIGHTS)
            ),
        ),
    }
