"""Changes to deals and leads from the Home tab, and activities logged on them.

Who may change a record (decided here, once): a user may change a record they may view (``crm.permissions``)
and own; a manager or super admin may change any record they may view (their ``team`` / ``all`` access is
what lets them view it). Everything else is refused like a missing record. Nothing here commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.changes import writeback
from crm.models import (
    Activity,
    ActivityContact,
    ActivityDeal,
    ActivityLead,
    Contact,
    Deal,
    DealCloseDate,
    DealContact,
    Lead,
    Pipeline,
    Role,
    Stage,
    User,
)
from crm.permissions import Kind, PermissionDenied, visible

LOG_TYPES = ("call", "meeting", "note")
NAME_LIMIT = 200
BODY_LIMIT = 5000
MEETING_MINUTES = (5, 480)  # the duration a logged meeting may have
DEFAULT_MEETING_MINUTES = 30


def may_change(actor: User, owner_id: str | None) -> bool:
    return owner_id == actor.id or actor.role in (Role.MANAGER, Role.SUPER_ADMIN)


def changeable(session: Session, actor: User, kind: Kind, record_id: str) -> Deal | Lead:
    record: Deal | Lead | None
    if kind == "deals":
        record = session.scalars(
            visible(select(Deal).where(Deal.id == record_id), actor, kind).with_for_update()
        ).first()
    else:
        record = session.scalars(
            visible(select(Lead).where(Lead.id == record_id), actor, kind).with_for_update()
        ).first()
    if record is None or not may_change(actor, record.owner_id):
        raise PermissionDenied(f"you may not change that {'deal' if kind == 'deals' else 'lead'}")
    return record


def loggable(session: Session, actor: User, kind: Kind, record_id: str) -> Deal | Lead | Contact:
    """A record an activity may be logged on: a deal or lead the actor may change, or such a contact."""
    if kind != "contacts":
        return changeable(session, actor, kind, record_id)
    contact = session.scalars(
        visible(select(Contact).where(Contact.id == record_id), actor, kind).with_for_update()
    ).first()
    if contact is None or not may_change(actor, contact.owner_id):
        raise PermissionDenied("you may not change that contact")
    return contact


def _stage(session: Session, pipeline_id: str, stage_id: str, kind: str | None = None) -> Stage:
    """The stage, when it is in ``pipeline_id`` (and that pipeline is one of ``kind``'s: deal or lead)."""
    stage = session.get(Stage, (pipeline_id, stage_id))
    if stage is None:
        raise ValueError("that stage is not in the record's pipeline")
    if kind is not None:
        pipeline = session.get(Pipeline, pipeline_id)
        if pipeline is None or pipeline.object != kind:
            raise ValueError(f"that is not a {kind} pipeline")
    return stage


def set_deal_stage(session: Session, actor: User, deal_id: str, stage_id: str, now: datetime) -> bool:
    deal = changeable(session, actor, "deals", deal_id)
    assert isinstance(deal, Deal)
    stage = _stage(session, deal.pipeline_id, stage_id)
    if deal.stage_id == stage.id:
        return False
    before = deal.stage_id
    deal.stage_id = stage.id
    deal.closed_at = now if stage.state in ("won", "lost") else None
    session.flush()
    writeback.enqueue(
        session, kind="set_deal_stage", object_type="deals", record_id=deal.id, actor_id=actor.id, now=now,
        change={"stage": (before, stage.id)},
    )  # fmt: skip
    return True


def set_close_date(session: Session, actor: User, deal_id: str, close_date: date, now: datetime) -> bool:
    """Move the deal's close date; the change is kept in its close-date history (insights read it)."""
    deal = changeable(session, actor, "deals", deal_id)
    assert isinstance(deal, Deal)
    if deal.close_date == close_date:
        return False
    position = session.scalar(
        select(func.coalesce(func.max(DealCloseDate.position), -1)).where(DealCloseDate.deal_id == deal.id)
    )
    session.add(
        DealCloseDate(deal_id=deal.id, position=int(position or 0) + 1, at=now, close_date=close_date)
    )
    before = deal.close_date
    deal.close_date = close_date
    session.flush()
    writeback.enqueue(
        session, kind="set_close_date", object_type="deals", record_id=deal.id, actor_id=actor.id, now=now,
        change={"close_date": (before, close_date)},
    )  # fmt: skip
    return True


def parse_amount(text: str | None) -> Decimal | None:
    """``ValueError`` for text that is not a non-negative amount."""
    text = (text or "").replace(",", "").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError("give the amount as a number, e.g. 12000") from None
    # NaN, sNaN and Infinity parse: refused before any comparison (NaN's raise InvalidOperation).
    if not amount.is_finite():
        raise ValueError("give the amount as a number, e.g. 12000")
    if amount < 0 or amount >= Decimal(10) ** 16:
        raise ValueError("give a positive amount")
    return amount.quantize(Decimal("0.01"))


def create_deal(
    session: Session,
    actor: User,
    *,
    name: str,
    pipeline_id: str,
    stage_id: str,
    amount: Decimal | None,
    close_date: date | None,
    now: datetime,
) -> Deal:
    """A new deal owned by the actor."""
    name = " ".join(name.split())
    if not name or len(name) > NAME_LIMIT:
        raise ValueError(f"a deal name has 1 to {NAME_LIMIT} characters")
    stage = _stage(session, pipeline_id, stage_id, "deal")
    deal = Deal(
        id=f"sb-{uuid.uuid4().hex[:16]}",
        name=name,
        owner_id=actor.id,
        owner_assigned_at=now,
        pipeline_id=pipeline_id,
        stage_id=stage.id,
        amount=amount,
        close_date=close_date,
        created_at=now,
        closed_at=now if stage.state in ("won", "lost") else None,
    )
    session.add(deal)
    session.flush()
    return deal


def set_lead_stage(session: Session, actor: User, lead_id: str, stage_id: str, now: datetime) -> bool:
    lead = changeable(session, actor, "leads", lead_id)
    stage = _stage(session, lead.pipeline_id, stage_id)
    if lead.stage_id == stage.id:
        return False
    before = lead.stage_id
    lead.stage_id = stage.id
    session.flush()
    writeback.enqueue(
        session, kind="set_lead_stage", object_type="leads", record_id=lead.id, actor_id=actor.id, now=now,
        change={"stage": (before, stage.id)},
    )  # fmt: skip
    return True


def disqualify_lead(session: Session, actor: User, lead_id: str, reason: str, now: datetime) -> bool:
    """Mark the lead disqualified; the reason is kept as a note on the lead (the dataset has no column)."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValueError("give a reason")
    lead = changeable(session, actor, "leads", lead_id)
    assert isinstance(lead, Lead)
    if lead.disqualified_at is not None:
        return False
    lead.disqualified_at = now
    writeback.enqueue(
        session, kind="disqualify_lead", object_type="leads", record_id=lead.id, actor_id=actor.id, now=now,
        change={"stage": (lead.stage_id, None)},
    )  # fmt: skip
    log_activity(session, actor, "leads", lead.id, "note", f"Disqualified: {reason[:BODY_LIMIT]}", now, now)
    return True


def log_activity(
    session: Session,
    actor: User,
    kind: Kind,
    record_id: str,
    type_: str,
    body: str,
    at: datetime,
    now: datetime,
    *,
    title: str | None = None,
    minutes: int = DEFAULT_MEETING_MINUTES,
) -> Activity:
    """A call, meeting or note by the actor on a deal, lead or contact they may change, linked to its
    contacts. A meeting lasts ``minutes`` from ``at``."""
    if type_ not in LOG_TYPES:
        raise ValueError(f"log one of {', '.join(LOG_TYPES)}")
    if type_ == "meeting" and not MEETING_MINUTES[0] <= minutes <= MEETING_MINUTES[1]:
        raise ValueError(f"a meeting lasts {MEETING_MINUTES[0]} to {MEETING_MINUTES[1]} minutes")
    body = body.strip()
    if len(body) > BODY_LIMIT:
        raise ValueError(f"at most {BODY_LIMIT} characters")
    if type_ == "note" and not body:
        raise ValueError("a note needs some text")
    record = loggable(session, actor, kind, record_id)
    at = at.astimezone(UTC)
    activity = Activity(id=f"sb-{uuid.uuid4().hex[:16]}", type=type_, owner_id=actor.id, body=body or None)
    if type_ == "call":
        activity.started_at, activity.duration_s, activity.status = at, 0, "completed"
    elif type_ == "meeting":
        activity.start_at, activity.end_at = at, at + timedelta(minutes=minutes)
        activity.title = (title or "Meeting")[:NAME_LIMIT]
        activity.outcome = "completed" if at <= now else "scheduled"
    else:
        activity.created_at = at
    activity.refresh_times()
    if isinstance(record, Deal):
        activity.deal_links = [ActivityDeal(deal_id=record.id, position=0)]
        contacts = session.scalars(
            select(DealContact.contact_id)
            .where(DealContact.deal_id == record.id)
            .order_by(DealContact.position)
        ).all()
    elif isinstance(record, Lead):
        activity.lead_links = [ActivityLead(lead_id=record.id, position=0)]
        contacts = [record.contact_id]
    else:
        contacts = [record.id]
    activity.contact_links = [ActivityContact(contact_id=c, position=i) for i, c in enumerate(contacts)]
    session.add(activity)
    session.flush()
    writeback.enqueue(
        session, kind="log_activity", object_type=writeback.ACTIVITY_OBJECT_TYPES[type_],
        record_id=activity.id, actor_id=actor.id, now=now, create=True,
    )  # fmt: skip
    return activity
