"""A user's meetings and open tasks in a local range of days (Home's Schedule), and the engagement feed of
their contacts (Home's Feed). ``subject`` owns the records; ``viewer``'s permission filter applies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from crm.localtime import day_bounds, local_date
from crm.models import Activity, ActivityContact, Company, Contact, EngagementEvent, Enrollment, User
from crm.permissions import visible, visible_clause
from crm.queries.workspace import open_tasks

ITEM_LIMIT = 500
FEED_DAYS = 365
EVENTS_PER_CONTACT = 5


def range_days(name: str, today: date) -> tuple[date, date]:
    """First day and the day after the last of ``day`` / ``week`` (Monday to Sunday) / ``month``."""
    if name == "week":
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=7)
    if name == "month":
        start = today.replace(day=1)
        return start, (start + timedelta(days=32)).replace(day=1)
    return today, today + timedelta(days=1)


def schedule(
    session: Session, subject: User, viewer: User, now: datetime, name: str
) -> tuple[list[Activity], list[Activity]]:
    """The meetings (canceled ones left out) and open tasks of the range, in time order."""
    first, after = range_days(name, local_date(now, subject.timezone))
    start, end = day_bounds(first, subject.timezone)[0], day_bounds(after, subject.timezone)[0]
    meetings = visible(
        select(Activity).where(
            Activity.type == "meeting",
            Activity.owner_id == subject.id,
            Activity.start_at >= start,
            Activity.start_at < end,
            Activity.outcome.is_distinct_from("canceled"),
        ),
        viewer,
        "activities",
    )
    tasks = open_tasks(subject, now, viewer).where(Activity.due_at >= start, Activity.due_at < end)
    return (
        list(session.scalars(meetings.order_by(Activity.start_at, Activity.id).limit(ITEM_LIMIT))),
        list(session.scalars(tasks.order_by(Activity.due_at, Activity.id).limit(ITEM_LIMIT))),
    )


def contact_names(session: Session, viewer: User, activity_ids: list[str]) -> dict[str, list[str]]:
    """The names of each activity's contacts the viewer may see, in order."""
    if not activity_ids:
        return {}
    rows = session.execute(
        visible(
            select(ActivityContact.activity_id, Contact.first_name, Contact.last_name, Contact.email)
            .join(Contact, Contact.id == ActivityContact.contact_id)
            .where(ActivityContact.activity_id.in_(activity_ids))
            .order_by(ActivityContact.activity_id, ActivityContact.position),
            viewer,
            "contacts",
        )
    )
    out: dict[str, list[str]] = defaultdict(list)
    for activity_id, first, last, email in rows:
        out[activity_id].append(f"{first or ''} {last or ''}".strip() or email or "a contact")
    return out


@dataclass
class FeedGroup:
    contact_id: str
    name: str
    company: str | None
    target: bool
    events: list[EngagementEvent] = field(default_factory=list)


def feed(
    session: Session,
    subject: User,
    viewer: User,
    now: datetime,
    *,
    event_type: str = "",
    seq: str = "",
    page: int = 0,
    size: int = 10,
) -> tuple[list[FeedGroup], int]:
    """The last year's engagement events of the subject's contacts, grouped by contact (the most recently
    active first), a page of contacts at a time; and how many contacts there are in all."""
    since = now - timedelta(days=FEED_DAYS)
    where = [EngagementEvent.at >= since, EngagementEvent.at <= now]
    if event_type:
        where.append(EngagementEvent.type == event_type)
    enrolled = exists(select(Enrollment.id).where(Enrollment.contact_id == Contact.id))
    if seq == "*":
        where.append(enrolled)
    elif seq == "-":
        where.append(~enrolled)
    elif seq:
        where.append(
            exists(
                select(Enrollment.id).where(
                    Enrollment.contact_id == Contact.id, Enrollment.sequence_id == seq
                )
            )
        )
    # An engagement event is visible with its contact (crm.permissions): filtering the contacts is the filter.
    latest = visible(
        select(Contact.id.label("contact_id"), func.max(EngagementEvent.at).label("latest"))
        .join(EngagementEvent, EngagementEvent.contact_id == Contact.id)
        .where(Contact.owner_id == subject.id, *where)
        .group_by(Contact.id),
        viewer,
        "contacts",
    ).subquery()
    total = session.scalar(select(func.count()).select_from(latest)) or 0
    rows = session.execute(
        select(
            latest.c.contact_id,
            Contact.first_name,
            Contact.last_name,
            Contact.email,
            Company.name,
            Company.target_account,
        )
        .join(Contact, Contact.id == latest.c.contact_id)
        .outerjoin(Company, and_(Company.id == Contact.company_id, visible_clause(viewer, "companies")))
        .order_by(latest.c.latest.desc(), latest.c.contact_id)
        .offset(page * size)
        .limit(size)
    ).all()
    groups = {
        r[0]: FeedGroup(r[0], f"{r[1] or ''} {r[2] or ''}".strip() or r[3] or "a contact", r[4], bool(r[5]))
        for r in rows
    }
    if groups:
        events = session.scalars(
            select(EngagementEvent)
            .join(Contact, Contact.id == EngagementEvent.contact_id)
            .where(EngagementEvent.contact_id.in_(groups), *where)
            .order_by(EngagementEvent.at.desc(), EngagementEvent.id)
            .limit(len(groups) * 50)
        )
        for event in events:
            group = groups[event.contact_id]
            if len(group.events) < EVENTS_PER_CONTACT:
                group.events.append(event)
    return list(groups.values()), total
