"""Recording digests whose late window passed as ``missed`` (see :mod:`crm.digest_window`).

Each tick, every user whose digest of their local day is past its window and has no final delivery gets one: a
``missed`` row inserted if absent, or their unfinished row (a retry, an abandoned claim) turned into
``missed``, keeping its last error. A "not linked" row stays: it says why better than "missed" would. A claim
whose lease is still running is left alone: its sender may be posting right now, and records the outcome
itself.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, or_, select, update
from sqlalchemy.orm import Session

from crm.db import insert_on_conflict
from crm.digest_window import DEFAULT_LATE, Window, kinds_of, slot
from crm.models import DigestDelivery, User
from crm.models.delivery import FINAL_STATES, DeliveryState

DELIVERIES = cast(Table, DigestDelivery.__table__)


def record_missed(session: Session, now: datetime, late: timedelta = DEFAULT_LATE) -> int:
    """Record every digest past its late window at ``now`` as missed; how many were recorded."""
    wanted: dict[tuple[str, date, str], User] = {}
    for user in session.scalars(select(User).where(User.digest_enabled.is_(True))):
        at = slot(user, now, late)
        if at.window == Window.MISSED:
            for kind in kinds_of(user):
                wanted[(user.id, at.day, kind)] = user
    if not wanted:
        return 0
    c = DELIVERIES.c
    done = {
        (row.user_id, row.local_date, row.kind)
        for row in session.execute(
            select(c.user_id, c.local_date, c.kind).where(
                c.local_date.in_({day for _, day, _ in wanted}),
                # "Not linked" stays as it is: the report says who had no Slack user, not just "missed".
                c.state.in_((*FINAL_STATES, DeliveryState.NOT_LINKED.value)),
            )
        )
    }
    recorded = 0
    for user_id, day, kind in wanted.keys() - done:
        values: dict[str, Any] = {
            "user_id": user_id,
            "local_date": day,
            "kind": kind,
            "state": DeliveryState.MISSED.value,
            "attempts": 0,
        }
        stmt = insert_on_conflict(session, DELIVERIES).values(**values).returning(c.id)
        if session.execute(stmt).scalar() is not None:
            recorded += 1
            continue
        result = cast(
            CursorResult[Any],
            session.execute(
                update(DELIVERIES)
                .where(
                    c.user_id == user_id,
                    c.local_date == day,
                    c.kind == kind,
                    or_(
                        c.state == DeliveryState.RETRY.value,
                        and_(c.state == DeliveryState.CLAIMED.value, c.lease_until <= now),
                    ),
                )
                .values(state=DeliveryState.MISSED.value, lease_until=None, claim_token=None)
            ),
        )
        recorded += result.rowcount
    return recorded


def record_not_linked(session: Session, user_id: str, day: date, kind: str, reason: str) -> None:
    """Note that (user, day, kind) could not be delivered for want of a Slack user (``reason``: the email that
    failed to match, or the workspace that uninstalled): not final, a later tick may find them."""
    c = DELIVERIES.c
    values: dict[str, Any] = {
        "user_id": user_id,
        "local_date": day,
        "kind": kind,
        "state": DeliveryState.NOT_LINKED.value,
        "attempts": 0,
        "last_error": reason,
    }
    if session.execute(insert_on_conflict(session, DELIVERIES).values(**values).returning(c.id)).first():
        return
    session.execute(
        update(DELIVERIES)
        .where(
            c.user_id == user_id,
            c.local_date == day,
            c.kind == kind,
            c.state == DeliveryState.NOT_LINKED.value,
            c.last_error.is_distinct_from(reason),
        )
        .values(last_error=reason)
    )
