"""The claim / finish state machine of ``digest_deliveries``: a sender owns (user, local date, kind) before
Slack is called, and records the outcome only while the claim is still its own (``crm.models.delivery``).
Missed and not-linked days are recorded by ``crm.changes.missed_deliveries``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, or_, update
from sqlalchemy.orm import Session

from crm.db import insert_on_conflict
from crm.models import DigestDelivery, DigestKind
from crm.models.delivery import DeliveryState

DELIVERIES = cast(Table, DigestDelivery.__table__)


@dataclass(frozen=True)
class Claim:
    id: int
    token: str
    user_id: str
    local_date: date
    taken_over: bool  # an earlier attempt existed: it may have posted before dying
    kind: str = DigestKind.OWN.value


def claim(
    session: Session,
    user_id: str,
    day: date,
    now: datetime,
    lease: timedelta,
    kind: str = DigestKind.OWN.value,
) -> Claim | None:
    """Own the delivery of (user, day, kind), or None when another sender owns or finished it. Commit
    promptly."""
    token = str(uuid.uuid4())
    values = {
        "user_id": user_id,
        "local_date": day,
        "kind": kind,
        "state": DeliveryState.CLAIMED.value,
        "claim_token": token,
        "claimed_at": now,
        "lease_until": now + lease,
        "attempts": 1,
    }
    stmt = insert_on_conflict(session, DELIVERIES).values(**values).returning(DELIVERIES.c.id)
    inserted = session.execute(stmt).scalar()
    if inserted is not None:
        return Claim(inserted, token, user_id, day, taken_over=False, kind=kind)
    c = DELIVERIES.c
    claimed = {
        "state": DeliveryState.CLAIMED.value,
        "claim_token": token,
        "claimed_at": now,
        "lease_until": now + lease,
        "attempts": c.attempts + 1,
    }
    this = (c.user_id == user_id, c.local_date == day, c.kind == kind)
    # A row left "not linked" (no Slack user then) was never posted: nothing to look for in the DM.
    unlinked = update(DELIVERIES).where(*this, c.state == DeliveryState.NOT_LINKED.value)
    taken = session.execute(unlinked.values(**claimed).returning(c.id)).scalar()
    if taken is not None:
        return Claim(taken, token, user_id, day, taken_over=False, kind=kind)
    takeover = (
        update(DELIVERIES)
        .where(
            *this,
            or_(
                and_(c.state == DeliveryState.CLAIMED.value, c.lease_until <= now),
                and_(c.state == DeliveryState.RETRY.value, c.next_attempt_at <= now),
            ),
        )
        .values(**claimed)
        .returning(c.id)
    )
    taken = session.execute(takeover).scalar()
    if taken is None:
        return None
    return Claim(taken, token, user_id, day, taken_over=True, kind=kind)


def finish(session: Session, claim_: Claim, state: DeliveryState, **values: Any) -> bool:
    """Record the outcome, if the claim is still ours (False: it was taken over meanwhile)."""
    c = DELIVERIES.c
    result = cast(
        CursorResult[Any],
        session.execute(
            update(DELIVERIES)
            .where(c.id == claim_.id, c.claim_token == claim_.token)
            .values(state=state.value, lease_until=None, **values)
        ),
    )
    return result.rowcount == 1
