"""What a deal's insights are built from, for one user: every read goes through ``crm.permissions`` in SQL.

``read_deal(session, deal_id, user, now)`` refuses (``PermissionDenied``, the same for a missing deal)
unless the user may view the deal, then reads the deal's fields, stage, score and close-date history, its
contacts and company *that the user may view*, its future meetings and open tasks, and its
``recent_limit`` most recent emails, calls, meetings and notes *that the user may view*: enough for the
cache key and the CRM risks. ``insights.budget.build_context`` fits that to a prompt of ``budget``
tokens: bodies cleaned (quoted replies and signatures removed) and cut, and when the budget
cannot give every activity a useful body, the oldest activities left out and counted.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CTE, Row, Select, false, func, literal, or_, select, true, union_all
from sqlalchemy.orm import Session

from crm.models import Activity, ActivityDeal, Company, Contact, Deal, DealContact, Pipeline, Stage, User
from crm.permissions import PermissionDenied, visible
from insights.text import cut, tidy

DEFAULT_BUDGET = 6000
RECENT_LIMIT = 100
RECENT_TYPES = ("email", "call", "meeting", "note")
TITLE_MAX_CHARS = 150
CANCELED_MEETING = "canceled"
DONE_TASK = "completed"


@dataclass(frozen=True)
class ActivityItem:
    id: str
    type: str
    at: datetime | None
    title: str
    owner_id: str | None
    direction: str | None = None
    status: str | None = None
    outcome: str | None = None
    from_address: str | None = None
    thread_id: str | None = None
    in_reply_to: str | None = None
    body: str = ""
    # sha256 of the stored fields: stands in for an update time the CRM does not keep.
    fingerprint: str = ""


@dataclass(frozen=True)
class ContactItem:
    id: str
    name: str
    email: str | None


@dataclass(frozen=True)
class DealContext:
    deal_id: str
    deal_name: str
    owner_name: str | None
    pipeline_name: str
    stage_label: str
    stage_state: str
    amount: Decimal | None
    currency: str | None
    close_date: date | None
    created_at: datetime | None
    closed_at: datetime | None
    next_steps: str | None
    next_steps_updated_at: datetime | None
    score_history: tuple[tuple[datetime, float], ...]
    close_date_history: tuple[tuple[datetime, date], ...]
    contacts: tuple[ContactItem, ...]
    contact_count: int  # associations on the deal, including contacts this user may not open
    company_name: str | None
    company_id: str | None
    scheduled: tuple[ActivityItem, ...]  # future meetings and open tasks, soonest first
    recent: tuple[ActivityItem, ...]  # most recent first
    stage_median_age_days: float | None  # over the visible open deals in this pipeline stage
    stage_peer_count: int
    now: datetime
    user_timezone: str
    omitted: int = 0  # recent activities left out to fit the budget
    body_cap: int | None = None  # the cut applied to bodies, None when nothing was cut
    prompt_tokens: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def activity_ids(self) -> frozenset[str]:
        return frozenset(a.id for a in (*self.recent, *self.scheduled))

    def visible_key(self) -> str:
        """Which records this user's permissions let in: the cache never crosses two different sets."""
        ids = {
            "activities": sorted(self.activity_ids),
            "contacts": sorted(c.id for c in self.contacts),
            "company": self.company_id,
        }
        return _sha256(ids)

    def fingerprint(self) -> str:
        """Everything the prompt rests on, stable across runs: a change of any of it changes this."""
        data = {
            "deal": [
                self.deal_name,
                self.owner_name,
                self.pipeline_name,
                self.stage_label,
                self.stage_state,
                str(self.amount),
                self.currency,
                str(self.close_date),
                str(self.next_steps),
                [(str(at), s) for at, s in self.score_history],
                [(str(at), str(d)) for at, d in self.close_date_history],
            ],
            "contacts": [(c.id, c.name, c.email) for c in self.contacts],
            "company": [self.company_id, self.company_name],
            "activities": sorted((a.id, a.fingerprint) for a in (*self.recent, *self.scheduled)),
        }
        return _sha256(data)


def _sha256(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _title(a: Row[Any]) -> str:
    if a.type == "email":
        text = a.subject or "(no subject)"
    elif a.type in ("meeting", "task"):
        text = a.title or a.type.capitalize()
    elif a.type == "call":
        text = "Call" + (f": {a.status}" if a.status else "") + (f", {a.outcome}" if a.outcome else "")
    else:
        first = (a.body or "").strip().split("\n", 1)[0]
        text = f"Note: {first}" if first else "Note"
    return cut(tidy(text), TITLE_MAX_CHARS)


# What an activity's part of the insights rests on; its fingerprint hashes exactly these. Read as rows, not
# ORM objects: a hundred of them cost a tenth of the time, and a context never changes them.
ACTIVITY_COLUMNS = (
    Activity.id, Activity.type, Activity.owner_id, Activity.private, Activity.body, Activity.occurred_at,
    Activity.ended_at, Activity.direction, Activity.subject, Activity.title, Activity.status,
    Activity.outcome, Activity.start_at, Activity.end_at, Activity.due_at, Activity.completed_at,
    Activity.thread_id, Activity.in_reply_to, Activity.from_address,
)  # fmt: skip


def _fingerprint(a: Row[Any]) -> str:
    return hashlib.sha256("\x1f".join(map(str, a[: len(ACTIVITY_COLUMNS)])).encode()).hexdigest()


def _item(a: Row[Any]) -> ActivityItem:
    """The activity without its body: titles, times and fingerprint are all the cache key and the CRM risks
    need; ``insights.budget`` cleans and cuts the bodies that go into a prompt."""
    return ActivityItem(
        id=a.id,
        type=a.type,
        at=a.due_at if a.type == "task" else a.occurred_at,
        title=_title(a),
        owner_id=a.owner_id,
        direction=a.direction,
        status=a.status,
        outcome=a.outcome,
        from_address=a.from_address,
        thread_id=a.thread_id,
        in_reply_to=a.in_reply_to,
        fingerprint=_fingerprint(a),
    )


def load_deal(session: Session, deal_id: str, user: User) -> Deal:
    """The deal if ``user`` may view it; ``PermissionDenied`` otherwise, missing deals alike."""
    deal = session.scalars(visible(select(Deal).where(Deal.id == deal_id), user, "deals")).first()
    if deal is None:
        raise PermissionDenied("you may not view that deal")
    return deal


def _deal_links(deal_id: str) -> CTE:
    # SQLite must materialize the deal's links: left to choose, its planner walks the owner's activities by
    # ix_activities_owner_type_occurred (every one of them, for a busy rep) and probes each link, where the
    # deal's own few are one range of ix_activity_deals_deal_activity. PostgreSQL plans the plain (inlined)
    # CTE well from its statistics; materialized, it would nest loops over an index-less CTE scan.
    return (
        select(ActivityDeal.activity_id)
        .where(ActivityDeal.deal_id == deal_id)
        .cte("deal_activity_ids")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )


def deal_activities(
    deal_id: str, user: User, now: datetime, limit: int, *, public: bool = False
) -> Select[*tuple[Any, ...]]:
    """``ACTIVITY_COLUMNS`` and a ``scheduled`` flag of the ``limit`` most recent emails, calls, meetings and
    notes, then the ``limit`` soonest future meetings and open tasks, of the deal's activities ``user`` may
    view (``public``: and that are not private, for a text others will read). One statement: the deal's
    activities are walked once, narrow, both lists picked from that walk (two queries would each read every
    activity row of a big deal), and only the picked rows read whole."""
    links = _deal_links(deal_id)
    walk = visible(
        select(Activity.id, Activity.type, Activity.occurred_at, Activity.start_at, Activity.due_at,
               Activity.outcome, Activity.status)
        .select_from(links)
        .join(Activity, Activity.id == links.c.activity_id)
        .where(Activity.private.is_(false()) if public else true()),
        user,
        "activities",
    ).cte("deal_activities").prefix_with("MATERIALIZED", dialect="sqlite")  # fmt: skip
    w = walk.c
    newest = (w.occurred_at.desc(), w.id)
    soonest = (func.coalesce(w.start_at, w.due_at), w.id)
    recent = (
        select(w.id, func.row_number().over(order_by=newest).label("rank"))
        .where(w.type.in_(RECENT_TYPES), w.occurred_at <= now)
        .order_by(*newest)
        .limit(limit)
        .cte("recent_ids")
    )
    scheduled = (
        select(w.id, func.row_number().over(order_by=soonest).label("rank"))
        .where(
            or_(
                (w.type == "meeting")
                & (w.start_at > now)
                & or_(w.outcome.is_(None), w.outcome != CANCELED_MEETING),
                (w.type == "task") & (w.due_at >= now) & or_(w.status.is_(None), w.status != DONE_TASK),
            )
        )
        .order_by(*soonest)
        .limit(limit)
        .cte("scheduled_ids")
    )
    picked = union_all(
        select(recent.c.id, recent.c.rank, literal(0).label("scheduled")),
        select(scheduled.c.id, scheduled.c.rank, literal(1).label("scheduled")),
    ).subquery("picked")
    # Only ids the permission filter let into the walk are picked (a second filter here would repeat the
    # team CTE under the same name, which SQLAlchemy refuses).
    return (
        select(*ACTIVITY_COLUMNS, picked.c.scheduled)
        .join(picked, picked.c.id == Activity.id)
        .order_by(picked.c.scheduled, picked.c.rank)
    )


def _load_activities(
    session: Session, deal_id: str, user: User, now: datetime, limit: int, public: bool
) -> tuple[list[Row[Any]], list[Row[Any]]]:
    rows: list[Row[Any]] = list(session.execute(deal_activities(deal_id, user, now, limit, public=public)))
    return [r for r in rows if not r.scheduled], [r for r in rows if r.scheduled]


def _stage_ages(session: Session, deal: Deal, user: User, now: datetime) -> tuple[float | None, int]:
    stmt = visible(
        select(Deal.created_at).where(
            Deal.pipeline_id == deal.pipeline_id,
            Deal.stage_id == deal.stage_id,
            Deal.closed_at.is_(None),
            Deal.created_at.is_not(None),
            Deal.id != deal.id,
        ),
        user,
        "deals",
    )
    ages = [(now - created).total_seconds() / 86400 for created in session.scalars(stmt) if created]
    return (statistics.median(ages) if ages else None), len(ages)


@dataclass(frozen=True)
class DealReading:
    """A deal as ``user`` may see it, read but not yet fitted to a prompt: ``context`` has every visible
    recent and scheduled activity, without bodies; ``bodies`` holds their stored bodies by activity id.

    Enough for the cache key (``context.visible_key()``, ``context.fingerprint()``) and the CRM risks, so a
    cached answer costs the queries alone; ``insights.budget.fit_to_budget`` makes the prompt's context.
    """

    context: DealContext
    bodies: dict[str, str]


def read_deal(
    session: Session,
    deal_id: str,
    user: User,
    now: datetime,
    *,
    recent_limit: int = RECENT_LIMIT,
    public: bool = False,
) -> DealReading:
    """Everything the insights of ``deal_id`` rest on, read through the permission filter;
    ``PermissionDenied`` unless ``user`` may view the deal (the same for a missing deal). ``public``: for a
    text others will read (shared to a channel), private activities are left out, even the user's own."""
    deal = load_deal(session, deal_id, user)
    stage = session.get(Stage, (deal.pipeline_id, deal.stage_id))
    pipeline = session.get(Pipeline, deal.pipeline_id)
    owner = session.get(User, deal.owner_id) if deal.owner_id else None
    contacts = session.scalars(
        visible(
            select(Contact)
            .join(DealContact, DealContact.contact_id == Contact.id)
            .where(DealContact.deal_id == deal.id)
            .order_by(DealContact.position),
            user,
            "contacts",
        )
    ).all()
    contact_count = session.scalar(select(func.count()).where(DealContact.deal_id == deal.id)) or 0
    company = (
        session.scalars(
            visible(select(Company).where(Company.id == deal.company_id), user, "companies")
        ).first()
        if deal.company_id
        else None
    )
    recent, scheduled = _load_activities(session, deal.id, user, now, recent_limit, public)
    median_age, peers = _stage_ages(session, deal, user, now)
    context = DealContext(
        deal_id=deal.id,
        deal_name=deal.name,
        owner_name=owner.name if owner else None,
        pipeline_name=pipeline.name if pipeline else deal.pipeline_id,
        stage_label=stage.label if stage else deal.stage_id,
        stage_state=stage.state if stage else "open",
        amount=deal.amount,
        currency=deal.currency,
        close_date=deal.close_date,
        created_at=deal.created_at,
        closed_at=deal.closed_at,
        next_steps=deal.next_steps,
        next_steps_updated_at=deal.next_steps_updated_at,
        score_history=tuple((s.at, s.score) for s in deal.score_history),
        close_date_history=tuple((c.at, c.close_date) for c in deal.close_date_history),
        contacts=tuple(
            ContactItem(c.id, f"{c.first_name} {c.last_name}".strip() or (c.email or c.id), c.email)
            for c in contacts
        ),
        contact_count=contact_count,
        company_name=company.name if company else None,
        company_id=company.id if company else None,
        scheduled=tuple(_item(a) for a in scheduled),
        recent=tuple(_item(a) for a in recent),
        stage_median_age_days=median_age,
        stage_peer_count=peers,
        now=now,
        user_timezone=user.timezone,
    )
    return DealReading(context, {a.id: a.body or "" for a in (*recent, *scheduled)})
