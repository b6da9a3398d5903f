"""Whose morning digest is due: digests on, today (in the user's zone) one of their weekdays, their local
time at or past their digest time, and no finished delivery, live claim or pending retry for that local day
(docs/architecture.md, "Flow 2")."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from crm.localtime import zone
from crm.models import DigestDelivery, User
from crm.models.delivery import FINAL_STATES, DeliveryState


def is_due_locally(user: User, now: datetime) -> date | None:
    """The user's local date if their digest is due at ``now`` (ignoring deliveries), else None."""
    if not user.digest_enabled:
        return None
    local = now.astimezone(zone(user.timezone))
    if local.isoweekday() not in (user.digest_weekdays or []):
        return None
    if local.strftime("%H:%M") < (user.digest_time or "08:00"):
        return None
    return local.date()


def due_users(session: Session, now: datetime) -> list[tuple[User, date]]:
    """Users whose digest is due at ``now`` and not finished (or being sent, or waiting for a retry)."""
    candidates = [
        (user, day)
        for user in session.scalars(select(User).where(User.digest_enabled.is_(True)).order_by(User.id))
        if (day := is_due_locally(user, now)) is not None
    ]
    if not candidates:
        return []
    days = {day for _, day in candidates}
    busy = {
        (row.user_id, row.local_date)
        for row in session.execute(
            select(DigestDelivery.user_id, DigestDelivery.local_date).where(
                DigestDelivery.local_date.in_(days),
                or_(
                    DigestDelivery.state.in_(FINAL_STATES),
                    and_(
                        DigestDelivery.state == DeliveryState.CLAIMED.value, DigestDelivery.lease_until > now
                    ),
                    and_(
                        DigestDelivery.state == DeliveryState.RETRY.value,
                        DigestDelivery.next_attempt_at > now,
                    ),
                ),
            )
        )
    }
    return [(user, day) for user, day in candidates if (user.id, day) not in busy]
