"""The Schedule and Feed tabs' content. A masked meeting (a super admin viewing another user) keeps its time
only: its title, contacts and link are never read into the lines. Contact and company names link to their
records in the CRM (``crm.record_links``), all of a tab's URLs made in one lookup."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from bot.home.context import HomeContext
from bot.lines import Part, clip
from crm.localtime import format_clock, local_date
from crm.models import Sequence
from crm.queries.schedule import (
    FeedGroup,
    ScheduleRow,
    contact_names,
    contacts_with_meetings_today,
    feed,
    schedule,
)
from crm.record_links import RecordKind, RecordLinks

SCHEDULE_PAGE = 30
FEED_PAGE = 10
CONTACTS_TODAY = 30


@dataclass(frozen=True)
class Item:
    id: str
    day: date
    kind: str  # meeting | task
    when: str
    title: str  # CRM text (escaped by the builder)
    contacts: tuple[Part, ...]  # names, each linked to its contact when it has a URL
    link: str | None = None
    needs_outcome: bool = False


@dataclass
class ScheduleData:
    items: list[Item]
    total: int
    contacts_today: list[Part]


def load_schedule(session: Session, ctx: HomeContext) -> ScheduleData:
    """One page of the range, counted and paged in SQL; the builder groups the page by local day."""
    now = ctx.now
    rows, total = schedule(
        session,
        ctx.subject,
        ctx.viewer,
        now,
        ctx.state.range,
        offset=ctx.state.page * SCHEDULE_PAGE,
        limit=SCHEDULE_PAGE,
        busy=ctx.masked,
    )
    names = {} if ctx.masked else contact_names(session, ctx.viewer, [r.id for r in rows])
    contacts_today = (
        []
        if ctx.masked
        else contacts_with_meetings_today(session, ctx.subject, ctx.viewer, now, CONTACTS_TODAY)
    )
    ids = {c for people in names.values() for c, _ in people} | {c for c, _ in contacts_today}
    urls = RecordLinks.load(session).urls({"contact": ids}) if ids else {}

    def named(people: list[tuple[str, str]]) -> tuple[Part, ...]:
        return tuple(Part(clip(name), True, urls.get(("contact", c))) for c, name in people)

    items = [_item(r, named(names.get(r.id, [])), ctx) for r in rows]
    return ScheduleData(items, total, list(named(contacts_today)))


def _item(row: ScheduleRow, people: tuple[Part, ...], ctx: HomeContext) -> Item:
    tz, now = ctx.tz, ctx.now
    day = local_date(row.at, tz)
    if row.kind == "task":
        return Item(
            row.id,
            day,
            "task",
            format_clock(row.at, tz),
            clip(row.title) or "Task",
            people[:1],
        )
    when = format_clock(row.at, tz) + (f"–{format_clock(row.end_at, tz)}" if row.end_at else "")
    if ctx.masked:
        return Item(row.id, day, "meeting", when, "Busy", ())
    past = (row.end_at or row.at) < now and row.outcome in (None, "", "scheduled")
    return Item(
        row.id,
        day,
        "meeting",
        when,
        clip(row.title) or "Meeting",
        people[:3],
        row.link,
        past,
    )


@dataclass
class FeedData:
    groups: list[FeedGroup]
    total: int
    sequences: list[tuple[str, str]]
    urls: dict[tuple[RecordKind, str], str] = field(default_factory=dict)  # the groups' contacts, companies


def load_feed(session: Session, ctx: HomeContext) -> FeedData:
    s = ctx.state
    groups, total = feed(
        session, ctx.subject, ctx.viewer, ctx.now, event_type=s.event, seq=s.seq, page=s.page, size=FEED_PAGE
    )
    sequences = [(q.id, q.name) for q in session.query(Sequence).order_by(Sequence.name).limit(50)]
    urls = (
        RecordLinks.load(session).urls(
            {
                "contact": [g.contact_id for g in groups],
                "company": [g.company_id for g in groups if g.company_id],
            }
        )
        if groups
        else {}
    )
    return FeedData(groups, total, sequences, urls)
