"""A user's meetings and open tasks in a local range of days (Home's Schedule), and the engagement feed of
their contacts (Home's Feed). ``subject`` owns the records; ``viewer``'s permission filter applies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import String, Subquery, and_, cast, exists, func, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from crm.localtime import day_bounds, local_date
from crm.models import Activity, ActivityContact, Company, Contact, EngagementEvent, Enrollment, User
from crm.models.base import UTCDateTime
from crm.permissions import visible, visible_clause
from crm.queries.workspace import open_tasks, todays_meetings

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


@dataclass(frozen=True)
class ScheduleRow:
    """A meeting or open task of a range. ``title`` and ``link`` are None for a busy meeting (never read)."""

    id: str
    kind: str  # meeting | task
    at: datetime  # a meeting's start, a task's due time
    end_at: datetime | None
    outcome: str | None
    title: str | None
    link: str | None


def _range(subject: User, now: datetime, name: str) -> tuple[datetime, datetime]:
    first, after = range_days(name, local_date(now, subject.timezone))
    return day_bounds(first, subject.timezone)[0], day_bounds(after, subject.timezone)[0]


def schedule_items(subject: User, viewer: User, now: datetime, name: str, *, busy: bool = False) -> Subquery:
    """The meetings (canceled ones left out) and open tasks of the range as one UNION ALL, with the columns
    of ``ScheduleRow``. ``busy``: meetings' title and link are NULL in SQL, so they are never read."""
    start, end = _range(subject, now, name)
    no_text = cast(null(), String)
    meetings = visible(
        select(
            Activity.id,
            literal_column("'meeting'", String).label("kind"),
            Activity.start_at.label("at"),
            Activity.end_at,
            Activity.outcome,
            (no_text if busy else Activity.title).label("title"),
            (no_text if busy else Activity.link).label("link"),
        ).where(
            Activity.type == "meeting",
            Activity.owner_id == subject.id,
            Activity.start_at >= start,
            Activity.start_at < end,
            Activity.outcome.is_distinct_from("canceled"),
        ),
        viewer,
        "activities",
    )
    tasks = (
        open_tasks(subject, now, viewer)
        .with_only_columns(
            Activity.id,
            literal_column("'task'", String).label("kind"),
            Activity.due_at.label("at"),
            cast(null(), UTCDateTime()).label("end_at"),
            no_text.label("outcome"),
            Activity.title,
            no_text.label("link"),
        )
        .where(Activity.due_at >= start, Activity.due_at < end)
    )
    return union_all(meetings, tasks).subquery("schedule_items")


def schedule(
    session: Session,
    subject: User,
    viewer: User,
    now: datetime,
    name: str,
    *,
    offset: int,
    limit: int,
    busy: bool = False,
) -> tuple[list[ScheduleRow], int]:
    """A page of the range's meetings and open tasks in time order (ties: meetings first, then by id: a
    total order, so pages never overlap or skip), and how many there are in all; both counted in SQL."""
    items = schedule_items(subject, viewer, now, name, busy=busy)
    total = session.scalar(select(func.count()).select_from(items)) or 0
    rows = session.execute(
        select(items).order_by(items.c.at, items.c.kind, items.c.id).offset(offset).limit(limit)
    )
    return [ScheduleRow(*row) for row in rows], total


def contacts_with_meetings_today(
    session: Session, subject: User, viewer: User, now: datetime, limit: int
) -> list[tuple[str, str]]:
    """``(id, name)`` of the contacts (that the viewer may see) of the subject's meetings today, in meeting
    order, each name once, at most ``limit``."""
    meetings = todays_meetings(subject, now, viewer).subquery()
    rows = session.execute(
        visible(
            select(Contact.id, Contact.first_name, Contact.last_name, Contact.email)
            .join(ActivityContact, ActivityContact.contact_id == Contact.id)
            .join(meetings, meetings.c.id == ActivityContact.activity_id)
            .order_by(meetings.c.start_at, meetings.c.id, ActivityContact.position),
            viewer,
            "contacts",
        ).execution_options(yield_per=100)
    )
    names: dict[str, str] = {}
    try:
        for contact_id, first, last, email in rows:
            name = contact_name(first, last, email)
            if name not in names:
                names[name] = contact_id
                if len(names) == limit:
                    break
    finally:
        rows.close()
    return [(contact_id, name) for name, contact_id in names.items()]


def contact_name(first: str | None, last: str | None, email: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or email or "a contact"


def contact_names(
    session: Session, viewer: User, activity_ids: list[str]
) -> dict[str, list[tuple[str, str]]]:
    """``(id, name)`` of each activity's contacts the viewer may see, in order."""
    if not activity_ids:
        return {}
    rows = session.execute(
        visible(
            select(
                ActivityContact.activity_id, Contact.id, Contact.first_name, Contact.last_name, Contact.email
            )
            .join(Contact, Contact.id == ActivityContact.contact_id)
            .where(ActivityContact.activity_id.in_(activity_ids))
            .order_by(ActivityContact.activity_id, ActivityContact.position),
            viewer,
            "contacts",
        )
    )
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for activity_id, contact_id, first, last, email in rows:
        out[activity_id].append((contact_id, contact_name(first, last, email)))
    return out


@dataclass
class FeedGroup:
    contact_id: str
    name: str
    company: str | None
    target: bool
    company_id: str | None = None  # None when the viewer may not see the company (nor its name)
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
            Company.id,
        )
        .join(Contact, Contact.id == latest.c.contact_id)
        .outerjoin(Company, and_(Company.id == Contact.company_id, visible_clause(viewer, "companies")))
        .order_by(latest.c.latest.desc(), latest.c.contact_id)
        .offset(page * size)
        .limit(size)
    ).all()
    groups = {r[0]: FeedGroup(r[0], contact_name(r[1], r[2], r[3]), r[4], bool(r[5]), r[6]) for r in rows}
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
