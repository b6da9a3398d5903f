"""The record modals' content, read through the permission filter of the user who clicked. The record a
modal is about is linked to it in the CRM (a lead: its contact, when the user may see the contact)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.home import modals as m
from bot.blocks.home import records as buttons
from crm.localtime import format_clock, local_date
from crm.models import Activity, Contact, Deal, Lead, User
from crm.permissions import PermissionDenied, visible
from crm.queries.records import pipelines, stage_options
from crm.record_links import RecordLinks


def _deal(session: Session, actor: User, deal_id: str) -> Deal:
    deal = session.scalars(visible(select(Deal).where(Deal.id == deal_id), actor, "deals")).first()
    if deal is None:
        raise PermissionDenied("you may not view that deal")
    return deal


def _lead(session: Session, actor: User, lead_id: str) -> tuple[Lead, str, str | None]:
    """The lead, its contact's name and the contact's URL (``"A lead"`` and None for a hidden contact)."""
    lead = session.scalars(visible(select(Lead).where(Lead.id == lead_id), actor, "leads")).first()
    if lead is None:
        raise PermissionDenied("you may not view that lead")
    contact = session.scalars(
        visible(select(Contact).where(Contact.id == lead.contact_id), actor, "contacts")
    ).first()
    if contact is None:
        return lead, "A lead", None
    return lead, contact.full_name, RecordLinks.load(session).url("contact", contact.id)


def _deal_url(session: Session, deal: Deal) -> str | None:
    return RecordLinks.load(session).url("deal", deal.id)


def record_name(session: Session, actor: User, ref: str) -> tuple[str, str | None]:
    """The name of the deal or lead ``ref`` names, and its URL in the CRM."""
    kind, _, record_id = ref.partition(":")
    if kind == "deal":
        deal = _deal(session, actor, record_id)
        return deal.name, _deal_url(session, deal)
    if kind == "lead":
        _, name, url = _lead(session, actor, record_id)
        return name, url
    raise ValueError("that button is not valid")


def modal_for(
    session: Session, actor: User, action_id: str, value: str, home: str, now: datetime
) -> dict[str, Any]:
    """The modal a Home record button opens (``PermissionDenied`` for a record the actor may not view)."""
    if action_id == buttons.DEAL_STAGE:
        deal = _deal(session, actor, value)
        stages = stage_options(session, deal.pipeline_id)
        meta = m.metadata(f"deal:{deal.id}", home)
        url = _deal_url(session, deal)
        return m.stage_modal(m.DEAL_STAGE_VIEW, deal.name, stages, deal.stage_id, meta, url=url)
    if action_id == buttons.CLOSE_DATE:
        deal = _deal(session, actor, value)
        meta = m.metadata(f"deal:{deal.id}", home)
        return m.close_date_modal(deal.name, deal.close_date, meta, url=_deal_url(session, deal))
    if action_id == buttons.LOG:
        name, url = record_name(session, actor, value)
        tz = actor.timezone
        meta = m.metadata(value, home)
        return m.log_modal(name, local_date(now, tz), format_clock(now, tz), meta, url=url)
    if action_id == buttons.CREATE_DEAL:
        return m.create_deal_modal(pipelines(session, "deal"), m.metadata("", home))
    if action_id == buttons.LEAD_STAGE:
        lead, name, url = _lead(session, actor, value)
        stages = stage_options(session, lead.pipeline_id)
        meta = m.metadata(f"lead:{lead.id}", home)
        return m.stage_modal(m.LEAD_STAGE_VIEW, name, stages, lead.stage_id, meta, url=url)
    if action_id == buttons.DISQUALIFY:
        lead, name, url = _lead(session, actor, value)
        return m.disqualify_modal(name, m.metadata(f"lead:{lead.id}", home), url=url)
    if action_id == buttons.OUTCOME:
        meeting = session.scalars(
            visible(
                select(Activity).where(Activity.id == value, Activity.type == "meeting"), actor, "activities"
            )
        ).first()
        if meeting is None:
            raise PermissionDenied("you may not view that meeting")
        title = meeting.title or "Meeting" if meeting.owner_id == actor.id else "Busy"
        return m.outcome_modal(title, m.metadata(f"meeting:{meeting.id}", home))
    raise ValueError("that button is not valid")


OPENERS = (
    buttons.DEAL_STAGE,
    buttons.CLOSE_DATE,
    buttons.LOG,
    buttons.CREATE_DEAL,
    buttons.LEAD_STAGE,
    buttons.DISQUALIFY,
    buttons.OUTCOME,
)
