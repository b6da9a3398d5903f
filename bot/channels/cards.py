"""What a record's card shows, read as one user may see it (session + now in, plain data out).

A deal's card: name, stage, amount, close date, owner, next step and the top CRM risk; a contact's: name,
company, lifecycle stage, owner; a company's: name, domain, owner. The top risk is the first CRM signal whose
cited activities every reader of the card may view (``readers``): a risk resting on an activity one of them
may not see is left out rather than hinting at it. Only risk titles are shown, never activity text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.unfurl import RecordCard
from crm.models import Company, Contact, Deal, Stage, User
from crm.permissions import visible
from crm.queries.audience import KINDS, refused, refused_activities
from crm.record_links import RecordKind, RecordLinks
from insights.context import read_deal
from insights.risks import crm_risks


def _owner(session: Session, owner_id: str | None) -> str | None:
    owner = session.get(User, owner_id) if owner_id else None
    return owner.name if owner is not None else None


def _top_risk(
    session: Session, viewer: User, deal_id: str, now: datetime, readers: Sequence[User]
) -> str | None:
    for risk in crm_risks(read_deal(session, deal_id, viewer, now).context):
        if not risk.activity_ids or not refused_activities(
            session, readers, risk.activity_ids, first_only=True
        ):
            return risk.title
    return None


def record_card(
    session: Session,
    viewer: User,
    kind: RecordKind,
    record_id: str,
    now: datetime,
    *,
    readers: Sequence[User] = (),
    links: RecordLinks | None = None,
) -> RecordCard | None:
    """The card as ``viewer`` may see it (None when they may not, or it does not exist); ``readers`` are
    everyone who will read it (the viewer alone when empty)."""
    links = links or RecordLinks.load(session)
    model: Any = {"deal": Deal, "contact": Contact, "company": Company}[kind]
    record: Any = session.scalars(
        visible(select(model).where(model.id == record_id), viewer, KINDS[kind])
    ).first()
    if record is None:
        return None
    url = links.url(kind, record.id)
    owner = _owner(session, record.owner_id)
    if isinstance(record, Deal):
        stage = session.get(Stage, (record.pipeline_id, record.stage_id))
        return RecordCard(
            kind,
            record.id,
            record.name,
            url,
            owner,
            stage=stage.label if stage else record.stage_id,
            amount=record.amount,
            currency=record.currency,
            close_date=record.close_date,
            next_step=record.next_steps,
            risk=_top_risk(session, viewer, record.id, now, list(readers) or [viewer]),
        )
    if isinstance(record, Contact):
        name = f"{record.first_name} {record.last_name}".strip() or record.email or record.id
        company = company_url = None
        everyone = list(readers) or [viewer]
        if record.company_id and not refused(session, everyone, "companies", record.company_id):
            company = session.scalar(select(Company.name).where(Company.id == record.company_id))
            company_url = links.url("company", record.company_id) if company else None
        pairs = (("Lifecycle stage", record.lifecycle_stage),)
        return RecordCard(
            kind,
            record.id,
            name,
            url,
            owner,
            detail=tuple((k, v) for k, v in pairs if v),
            company=company,
            company_url=company_url,
        )
    lines = (("Domain", record.domain),)
    return RecordCard(kind, record.id, record.name, url, owner, detail=tuple((k, v) for k, v in lines if v))
