"""The Home tab's lists of deals and leads: filtered, counted and paged in SQL, through the permission filter.

``subject`` is whose records are listed (the owner filter's default), ``viewer`` whose permission filter
applies. A manager or super admin may list another owner's deals, their team tree's (``"@team"``, where a
manager's Deals tab starts), or everyone's they may view (``"*"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from crm.localtime import local_date
from crm.models import Activity, ActivityDeal, Contact, Deal, Lead, Pipeline, Role, Stage, User
from crm.permissions import team_members, visible
from crm.record_links import RecordLinks

STALLED_DAYS = 14
EVERYONE = "*"
TEAM = "@team"  # the viewer and their team tree (a manager's Deals start here)


@dataclass(frozen=True)
class DealRow:
    id: str
    name: str
    owner_id: str | None
    pipeline_id: str
    stage_id: str
    stage_label: str
    amount: Decimal | None
    currency: str | None
    close_date: date | None
    url: str | None = None  # the record in the CRM (crm.record_links)


@dataclass(frozen=True)
class LeadRow:
    id: str
    contact_name: str
    owner_id: str | None
    pipeline_id: str
    stage_id: str
    stage_label: str
    created_at: datetime | None
    contact_url: str | None = None  # the lead's contact in the CRM (crm.record_links)


def may_filter_owner(viewer: User) -> bool:
    return viewer.role in (Role.MANAGER, Role.SUPER_ADMIN)


def _month(today: date) -> tuple[date, date]:
    start = today.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def _category(category: str, now: datetime, tz: str) -> list[object]:
    today = local_date(now, tz)
    if category == "closing_month":
        start, end = _month(today)
        return [Deal.close_date >= start, Deal.close_date < end]
    if category == "past_close":
        return [Deal.close_date < today]
    linked = select(ActivityDeal.activity_id).where(ActivityDeal.deal_id == Deal.id)
    if category == "no_activity":
        upcoming = exists(
            select(Activity.id).where(
                Activity.id.in_(linked),
                or_(
                    and_(
                        Activity.type == "meeting",
                        Activity.start_at >= now,
                        Activity.outcome.is_distinct_from("canceled"),
                    ),
                    and_(Activity.type == "task", Activity.status.is_distinct_from("completed")),
                ),
            )
        )
        return [~upcoming]
    if category == "stalled":
        recent = exists(
            select(Activity.id).where(
                Activity.id.in_(linked), Activity.occurred_at >= now - timedelta(days=STALLED_DAYS)
            )
        )
        return [~recent]
    return []


def deals_query(
    subject: User,
    viewer: User,
    now: datetime,
    *,
    category: str = "all_open",
    pipeline: str = "",
    stage: str = "",
    owner: str = "",
) -> Select[Deal, Stage]:
    stmt: Select[Deal, Stage] = (
        select(Deal, Stage)
        .join(Stage, and_(Stage.pipeline_id == Deal.pipeline_id, Stage.id == Deal.stage_id))
        .where(Stage.state == "open", *_category(category, now, subject.timezone))  # type: ignore[arg-type]
    )
    if not (owner and may_filter_owner(viewer)):
        stmt = stmt.where(Deal.owner_id == subject.id)
    elif owner == TEAM:
        if viewer.team_id is not None:
            stmt = stmt.where(
                or_(Deal.owner_id == viewer.id, Deal.owner_id.in_(team_members(viewer.team_id)))
            )
        elif not viewer.is_super_admin:
            stmt = stmt.where(Deal.owner_id == viewer.id)
    elif owner != EVERYONE:
        stmt = stmt.where(Deal.owner_id == owner)
    if pipeline:
        stmt = stmt.where(Deal.pipeline_id == pipeline)
        if stage:
            stmt = stmt.where(Deal.stage_id == stage)
    return visible(stmt, viewer, "deals")


def deal_page(session: Session, stmt: Select[Deal, Stage], page: int, size: int) -> tuple[list[DealRow], int]:
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ordered = stmt.order_by(Deal.close_date.is_(None), Deal.close_date, Deal.name, Deal.id)
    rows = session.execute(ordered.offset(page * size).limit(size)).all()
    urls = RecordLinks.load(session).urls({"deal": [d.id for d, _ in rows]})
    return [
        DealRow(
            d.id,
            d.name,
            d.owner_id,
            d.pipeline_id,
            d.stage_id,
            s.label,
            d.amount,
            d.currency,
            d.close_date,
            urls.get(("deal", d.id)),
        )
        for d, s in rows
    ], total


@dataclass(frozen=True)
class StageChoice:
    id: str
    label: str
    state: str  # open | won | lost


@dataclass(frozen=True)
class PipelineChoice:
    """A pipeline and its stages in order, as plain data for a menu."""

    id: str
    name: str
    stages: tuple[StageChoice, ...]


def pipelines(session: Session, kind: str) -> list[PipelineChoice]:
    """The deal (or lead) pipelines with their stages, in order (two queries in all)."""
    stmt = (
        select(Pipeline)
        .where(Pipeline.object == kind)
        .order_by(Pipeline.name)
        .options(selectinload(Pipeline.stages))
    )
    return [
        PipelineChoice(p.id, p.name, tuple(StageChoice(s.id, s.label, s.state) for s in p.stages))
        for p in session.scalars(stmt)
    ]


def stage_options(session: Session, pipeline_id: str) -> list[tuple[str, str]]:
    """A pipeline's stages in order, ``(id, label)``."""
    stmt = select(Stage.id, Stage.label).where(Stage.pipeline_id == pipeline_id).order_by(Stage.order)
    return [(row.id, row.label) for row in session.execute(stmt)]


def owners(session: Session, viewer: User) -> list[tuple[str, str]]:
    """Who a manager or super admin may filter deals by: the users whose deals they may view."""
    if not may_filter_owner(viewer):
        return []
    stmt = visible(select(Deal.owner_id).distinct(), viewer, "deals").subquery()
    rows = session.execute(
        select(User.id, User.name).where(User.id.in_(select(stmt.c.owner_id))).order_by(User.name).limit(99)
    )
    return [(row.id, row.name) for row in rows]


def leads_page(
    session: Session, subject: User, viewer: User, page: int, size: int
) -> tuple[list[LeadRow], int]:
    """The subject's open leads (not disqualified, in an open stage), by pipeline and stage order."""
    stmt = visible(
        select(Lead, Stage, Contact.first_name, Contact.last_name, Contact.email)
        .join(Stage, and_(Stage.pipeline_id == Lead.pipeline_id, Stage.id == Lead.stage_id))
        .join(Contact, Contact.id == Lead.contact_id)
        .where(Lead.owner_id == subject.id, Lead.disqualified_at.is_(None), Stage.state == "open"),
        viewer,
        "leads",
    )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ordered = stmt.order_by(Lead.pipeline_id, Stage.order, Lead.created_at.desc(), Lead.id)
    out = []
    rows = session.execute(ordered.offset(page * size).limit(size)).all()
    urls = RecordLinks.load(session).urls({"contact": [lead.contact_id for lead, *_ in rows]})
    for lead, stage, first, last, email in rows:
        name = f"{first or ''} {last or ''}".strip() or email or "a contact"
        out.append(
            LeadRow(
                lead.id,
                name,
                lead.owner_id,
                lead.pipeline_id,
                lead.stage_id,
                stage.label,
                lead.created_at,
                urls.get(("contact", lead.contact_id)),
            )
        )
    return out, total
