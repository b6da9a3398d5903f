"""The Schedule and Feed tabs' content. A masked meeting (a super admin viewing another user) keeps its time
only: its title, contacts and link are never read into the lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.digest.content import clip, format_clock
from bot.home.context import HomeContext
from crm.localtime import local_date
from crm.models import Sequence
from crm.queries.schedule import FeedGroup, contact_names, feed, schedule

SCHEDULE_PAGE = 30
FEED_PAGE = 10


@dataclass(frozen=True)
class Item:
    id: str
    day: date
    kind: str  # meeting | task
    when: str
    title: str  # CRM text (escaped by the builder)
    contacts: str
    link: str | None = None
    needs_outcome: bool = False


@dataclass
class ScheduleData:
    items: list[Item]
    total: int
    contacts_today: list[str]


def load_schedule(session: Session, ctx: HomeContext) -> ScheduleData:
    tz, now = ctx.tz, ctx.now
    meetings, tasks = schedule(session, ctx.subject, ctx.viewer, now, ctx.state.range)
    names = {} if ctx.masked else contact_names(session, ctx.viewer, [a.id for a in meetings + tasks])
    items = []
    today = local_date(now, tz)
    contacts_today: list[str] = []
    for m in meetings:
        start = m.start_at or now
        when = format_clock(start, tz) + (f"–{format_clock(m.end_at, tz)}" if m.end_at else "")
        day = local_date(start, tz)
        if ctx.masked:
            items.append(Item(m.id, day, "meeting", when, "Busy", ""))
            continue
        people = names.get(m.id, [])
        if day == today:
            contacts_today += [p for p in people if p not in contacts_today]
        past = (m.end_at or start) < now and m.outcome in (None, "", "scheduled")
        items.append(
            Item(
                m.id,
                day,
                "meeting",
                when,
                clip(m.title) or "Meeting",
                clip(", ".join(people[:3])),
                m.link,
                past,
            )
        )
    for t in tasks:
        due = t.due_at or now
        people = names.get(t.id, [])
        items.append(
            Item(
                t.id,
                local_date(due, tz),
                "task",
                format_clock(due, tz),
                clip(t.title) or "Task",
                clip(", ".join(people[:1])),
            )
        )
    items.sort(key=lambda i: (i.day, i.when, i.kind, i.id))
    page = ctx.state.page
    return ScheduleData(
        items[page * SCHEDULE_PAGE : (page + 1) * SCHEDULE_PAGE], len(items), contacts_today[:30]
    )


@dataclass
class FeedData:
    groups: list[FeedGroup]
    total: int
    sequences: list[tuple[str, str]]


def load_feed(session: Session, ctx: HomeContext) -> FeedData:
    s = ctx.state
    groups, total = feed(
        session, ctx.subject, ctx.viewer, ctx.now, event_type=s.event, seq=s.seq, page=s.page, size=FEED_PAGE
    )
    sequences = [(q.id, q.name) for q in session.query(Sequence).order_by(Sequence.name).limit(50)]
    return FeedData(groups, total, sequences)
