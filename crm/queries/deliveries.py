"""Whose morning digest is due: digests on, today (in the user's zone) one of their weekdays, their local
time at or past their digest time and within the late window (``crm.digest_window``), and no finished
delivery, live claim or pending retry for that local day (docs/architecture.md, "Flow 2"); a manager's team
digest only once their own is finished."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from crm.digest_window import DEFAULT_LATE, Window, kinds_of, slot
from crm.models import DigestDelivery, DigestKind, User
from crm.models.delivery import FINAL_STATES, DeliveryState


def is_due_locally(user: User, now: datetime, late: timedelta = DEFAULT_LATE) -> date | None:
    """The user's local date if their digest is due at ``now`` (ignoring deliveries), else None: from their
    digest time on one of their weekdays until ``late`` after it (:mod:`crm.digest_window`)."""
    at = slot(user, now, late)
    return at.day if at.window == Window.DUE else None


def due_users(
    session: Session, now: datetime, late: timedelta = DEFAULT_LATE
) -> list[tuple[User, date, tuple[str, ...]]]:
    """Users whose digest is due at ``now`` and not finished (or being sent, or waiting for a retry), with
    the kinds of digest still to send (their own, then a manager's team digest)."""
    candidates = [
        (user, day)
        for user in session.scalars(select(User).where(User.digest_enabled.is_(True)).order_by(User.id))
        if (day := is_due_locally(user, now, late)) is not None
    ]
    if not candidates:
        return []
    days = {day for _, day in candidates}
    rows = session.execute(
        select(
            DigestDelivery.user_id,
            DigestDelivery.local_date,
            DigestDelivery.kind,
            DigestDelivery.state.in_(FINAL_STATES).label("final"),
        ).where(
            DigestDelivery.local_date.in_(days),
            or_(
                DigestDelivery.state.in_(FINAL_STATES),
                and_(DigestDelivery.state == DeliveryState.CLAIMED.value, DigestDelivery.lease_until > now),
                and_(DigestDelivery.state == DeliveryState.RETRY.value, DigestDelivery.next_attempt_at > now),
            ),
        )
    ).all()
    busy = {(row.user_id, row.local_date, row.kind) for row in rows}
    finished = {(row.user_id, row.local_date, row.kind) for row in rows if row.final}
    due = []
    for user, day in candidates:
        kinds = tuple(k for k in kinds_of(user) if (user.id, day, k) not in busy)
        if kinds == (DigestKind.TEAM.value,) and (user.id, day, DigestKind.OWN.value) not in finished:
            continue  # the team digest waits for the manager's own (being sent, or to be retried)
        if kinds:
            due.append((user, day, kinds))
    return due
