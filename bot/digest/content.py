"""What goes into one user's digest, read from the CRM through the permission filter.

``load_digest(session, user, now)`` returns a :class:`Digest`: the counts of product.md's context line and
the items of each section, in order, each already described in words (names, subjects, local times). The
renderers (``bot.digest.render``) only lay it out; they never query.

Every CRM record named in a line is read through ``crm.permissions.visible`` (its statements are
``crm.queries.digest``'s, built once per permission shape): a guided action about a
contact the user may no longer see says "a contact", not the contact's name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Row, Select
from sqlalchemy.orm import Session

from crm.localtime import local_date, zone
from crm.models import User
from crm.permissions import permission_params
from crm.queries.digest import SECTION_LIMIT, digest_params, digest_statements
from crm.queries.workspace import tasks_by_day
from rules.registry import RULES_BY_CODE, DigestEntry, digest_entries

TOMORROW_PREVIEW = 3
VALUE_LIMIT = 150  # characters of one CRM value (a name, a subject) in a line


@dataclass(frozen=True)
class Line:
    """One line of a digest: what it is (``ref``: ``task:ID``, ``action:ID``, ``bundle:R06``,
    ``meeting:ID``), its words as parts (``(text, from_crm)``: CRM text is escaped when rendered), and its
    state when it is no longer open (filled when a click redraws the message)."""

    ref: str
    parts: tuple[tuple[str, bool], ...]
    kind: str  # task | action | bundle | meeting
    rule: str | None = None
    count: int = 1
    url: str | None = None  # a meeting's link
    status: str | None = None  # e.g. "completed", "snoozed until 09:00"

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.parts)


@dataclass
class Section:
    key: str
    title: str
    lines: list[Line]
    total: int  # how many items the section has in all (lines may hold fewer)

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.lines))


@dataclass
class Digest:
    user_id: str
    first_name: str
    timezone: str
    local_date: date
    now: datetime
    channel: str | None
    overdue: int
    due_today: int
    due_tomorrow: int
    meetings_today: int
    guided_actions: int
    sections: list[Section] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(section.total for section in self.sections)

    def items(self) -> dict[str, list[str]]:
        """The refs each section lists, to store with a delivery and redraw the message later."""
        return {section.key: [line.ref for line in section.lines] for section in self.sections}


SECTION_TITLES = {
    "high_priority": "High-priority tasks due today",
    "overdue": "Overdue tasks",
    "today": "Tasks due today",
    "meetings": "Meetings today",
    "guided": "Guided actions",
    "tomorrow": "Due tomorrow",
}


def clip(text: str | None, limit: int = VALUE_LIMIT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_clock(at: datetime, tz: str) -> str:
    """24-hour local time, locale-neutral: ``14:05``."""
    return at.astimezone(zone(tz)).strftime("%H:%M")


def format_day(day: date) -> str:
    """``Mon 2026-11-23``: ISO date with an English weekday, the same in every locale."""
    return f"{day:%a} {day.isoformat()}"


def load_digest(
    session: Session,
    user: User,
    now: datetime,
    *,
    channel: str | None = None,
    guided_limit: int | None = SECTION_LIMIT,
) -> Digest:
    """The digest of ``user`` at ``now``. ``guided_limit`` caps the guided-action lines described (a message
    shows fewer anyway; the rest is counted); None describes them all, for a terminal."""
    today = local_date(now, user.timezone)
    statements, params = digest_statements(user), digest_params(user, now)
    tasks = tasks_by_day(session.execute(statements.tasks, params))
    meetings = session.execute(statements.meetings, params).all()
    entries = digest_entries(_live_actions(session, user, now))
    high, overdue, due_today, tomorrow = (
        tasks.first["high_priority"],
        tasks.first["overdue"],
        tasks.first["today"],
        tasks.first["tomorrow"][:TOMORROW_PREVIEW],
    )
    high_priority_today = tasks.total["high_priority"]
    meetings_today = meetings[0].total if meetings else 0
    digest = Digest(
        user_id=user.id,
        first_name=user.first_name,
        timezone=user.timezone,
        local_date=today,
        now=now,
        channel=channel,
        overdue=tasks.total["overdue"],
        due_today=high_priority_today + tasks.total["today"],
        due_tomorrow=tasks.total["tomorrow"],
        meetings_today=meetings_today,
        guided_actions=len(entries),  # lines: a bundle counts once, as it shows
    )
    shown_entries = entries if guided_limit is None else entries[:guided_limit]
    shown = [a for entry in shown_entries if not entry.bundled for a in entry.actions]
    describer = _Describer(session, user)
    describer.prefetch(shown, [*high, *overdue, *due_today, *tomorrow], meetings)
    task_line = describer.task_line
    digest.sections = [
        Section(
            "high_priority",
            SECTION_TITLES["high_priority"],
            [task_line(t) for t in high],
            high_priority_today,
        ),
        Section(
            "overdue", SECTION_TITLES["overdue"], [task_line(t, due=True) for t in overdue], digest.overdue
        ),
        Section("today", SECTION_TITLES["today"], [task_line(t) for t in due_today], tasks.total["today"]),
        Section(
            "meetings",
            SECTION_TITLES["meetings"],
            [describer.meeting_line(m) for m in meetings],
            meetings_today,
        ),
        Section(
            "guided",
            SECTION_TITLES["guided"],
            [describer.entry_line(e, high_priority_today=high_priority_today) for e in shown_entries],
            len(entries),
        ),
        Section(
            "tomorrow", SECTION_TITLES["tomorrow"], [task_line(t) for t in tomorrow], digest.due_tomorrow
        ),
    ]
    return digest


@dataclass(frozen=True, slots=True)
class ActionRow:
    """The columns of a guided action a digest line needs (lighter than the ORM object)."""

    id: int
    rule: str
    category: str
    created_at: datetime
    subject_type: str
    subject_id: str
    contact_id: str | None
    company_id: str | None


def _live_actions(session: Session, user: User, now: datetime) -> list[ActionRow]:
    """The user's guided actions to show: open ones, and snoozed ones whose snooze is over."""
    rows = session.execute(digest_statements(user).actions, {"owner_id": user.id, "now": now})
    return [ActionRow(*row) for row in rows]


BUNDLE_NOUNS = {"R04": "task", "R06": "meeting", "R08": "call", "R13": "task"}


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class TaskLike(Protocol):
    """What a task line needs: a row of the digest's task query, or an ``Activity``."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def due_at(self) -> datetime | None: ...


class MeetingLike(Protocol):
    """What a meeting line needs: a row of the digest's meeting query, or an ``Activity``."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def start_at(self) -> datetime | None: ...
    @property
    def end_at(self) -> datetime | None: ...
    @property
    def link(self) -> str | None: ...


class _Describer:
    """Names and subjects for lines, fetched in a few batched, permission-filtered queries."""

    def __init__(self, session: Session, user: User) -> None:
        self.session = session
        self.user = user
        self.statements = digest_statements(user)
        self.params = permission_params(user)
        self.contacts: dict[str, str] = {}
        self.companies: dict[str, str] = {}
        self.deals: dict[str, str] = {}
        self.activities: dict[str, Row[*tuple[Any, ...]]] = {}
        self.first_contact: dict[str, str] = {}
        self.meeting_contacts: dict[str, list[str]] = defaultdict(list)

    def prefetch(
        self,
        actions: Sequence[ActionRow],
        tasks: Sequence[TaskLike],
        meetings: Sequence[MeetingLike],
    ) -> None:
        """Load what the lines of ``actions``, ``tasks`` and ``meetings`` name: only the columns a line
        shows, each kind in one query."""
        activity_ids = {
            a.subject_id for a in actions if a.subject_type in ("email", "meeting", "call", "task")
        }
        deal_ids = {a.subject_id for a in actions if a.subject_type == "deal"}
        contact_ids = {a.contact_id for a in actions if a.contact_id}
        company_ids = {a.company_id for a in actions if a.company_id}
        if activity_ids:
            self.activities = {
                row.id: row for row in self._by_id(self.statements.activities_by_id, activity_ids)
            }
        if deal_ids:
            self.deals = {row.id: row.name for row in self._by_id(self.statements.deals_by_id, deal_ids)}
        linked = [t.id for t in tasks] + [m.id for m in meetings]
        if linked:
            meeting_ids = {m.id for m in meetings}
            for activity_id, contact_id in self._by_id(self.statements.contact_links, linked):
                contact_ids.add(contact_id)
                self.first_contact.setdefault(activity_id, contact_id)
                if activity_id in meeting_ids:
                    self.meeting_contacts[activity_id].append(contact_id)
        if contact_ids:
            for row in self._by_id(self.statements.contacts_by_id, contact_ids):
                name = f"{row.first_name} {row.last_name}".strip() or row.email or "a contact"
                self.contacts[row.id] = clip(name)
        if company_ids:
            companies = self._by_id(self.statements.companies_by_id, company_ids)
            self.companies = {row.id: clip(row.name) for row in companies}

    def _by_id(self, stmt: Select[*tuple[Any, ...]], ids: Iterable[str]) -> list[Row[*tuple[Any, ...]]]:
        return list(self.session.execute(stmt, {**self.params, "ids": list(ids)}))

    # --- lines ---------------------------------------------------------------------------------------

    def task_line(self, task: TaskLike, *, due: bool = False) -> Line:
        parts: list[tuple[str, bool]] = [(clip(task.title) or "Untitled task", True)]
        contact = self.contacts.get(self.first_contact.get(task.id, ""))
        if contact:
            parts += [(" · ", False), (contact, True)]
        if due and task.due_at is not None:
            parts.append((f" (due {format_day(local_date(task.due_at, self.user.timezone))})", False))
        return Line(ref=f"task:{task.id}", parts=tuple(parts), kind="task")

    def meeting_line(self, meeting: MeetingLike) -> Line:
        tz = self.user.timezone
        when = "?"
        if meeting.start_at is not None:
            when = format_clock(meeting.start_at, tz)
            if meeting.end_at is not None:
                when += f"–{format_clock(meeting.end_at, tz)}"
        parts: list[tuple[str, bool]] = [(f"{when}  ", False), (clip(meeting.title) or "Meeting", True)]
        names = [self.contacts[c] for c in self.meeting_contacts.get(meeting.id, []) if c in self.contacts]
        if names:
            shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
            parts += [(" with ", False), (shown, True)]
        return Line(ref=f"meeting:{meeting.id}", parts=tuple(parts), kind="meeting", url=meeting.link)

    def entry_line(self, entry: DigestEntry[ActionRow], *, high_priority_today: int) -> Line:
        rule = RULES_BY_CODE[entry.rule]
        title = (f"{rule.title}: ", False)
        if entry.bundled:
            count = high_priority_today if entry.rule == "R13" else entry.count
            noun = _plural(count, BUNDLE_NOUNS.get(entry.rule, "item"))
            return Line(
                ref=f"bundle:{entry.rule}",
                parts=(title, (noun, False)),
                kind="bundle",
                rule=entry.rule,
                count=entry.count,
            )
        action = entry.actions[0]
        return Line(
            ref=f"action:{action.id}",
            parts=(title, *self.action_detail(action)),
            kind="action",
            rule=entry.rule,
        )

    def action_detail(self, action: ActionRow) -> list[tuple[str, bool]]:
        contact = self.contacts.get(action.contact_id or "")
        company = self.companies.get(action.company_id or "")
        who: list[tuple[str, bool]] = [(contact, True)] if contact else [("a contact", False)]
        if company:
            who += [(" (", False), (company, True), (")", False)]
        if action.subject_type == "deal":
            name = self.deals.get(action.subject_id)
            return [(name, True)] if name else [("a deal", False)]
        activity = self.activities.get(action.subject_id)
        if action.subject_type == "email":
            subject = clip(activity.subject) if activity is not None else ""
            return who + ([(" · “", False), (subject, True), ("”", False)] if subject else [])
        if action.subject_type in ("meeting", "call"):
            if activity is None:
                return [(f"a {action.subject_type}", False)]
            parts: list[tuple[str, bool]] = [(clip(activity.title) or action.subject_type.capitalize(), True)]
            start = activity.start_at or activity.started_at
            if start is not None:
                when = format_clock(start, self.user.timezone)
                if local_date(start, self.user.timezone) != local_date(action.created_at, self.user.timezone):
                    when = f"{format_day(local_date(start, self.user.timezone))} {when}"
                parts.append((f" at {when}", False))
            if contact:
                parts += [(" with ", False), (contact, True)]
            return parts
        return who
