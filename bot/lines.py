"""Lines: one task, meeting or guided action described in words (names, subjects, local times), the unit
the digest, the Home Summary tab and ``/sales tasks`` all show.

:class:`Describer` loads what lines name in a few batched queries, every one through the permission filter
(``crm.queries.digest``'s statements): a line about a contact the user may no longer see says "a contact".
With ``masked=True`` (a super admin viewing another user's Home) a guided action about a meeting names no
meeting title or contact, and the meeting itself is shown as "Busy" (:func:`busy_line`).

A deal, contact or company a line names links to its record in the CRM (``crm.record_links``: HubSpot's
URL, else the org's template): the URLs of all the names a describer loaded are made in one lookup. A name
the line does not show ("a contact", "Busy") has no link either.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Row, Select
from sqlalchemy.orm import Session

from crm.localtime import format_clock, format_day, local_date
from crm.models import User
from crm.permissions import permission_params
from crm.queries.digest import ActionRow, digest_statements
from crm.queries.writeback import Saved
from crm.record_links import RecordKind, RecordLinks
from rules.registry import RULES_BY_CODE, DigestEntry

VALUE_LIMIT = 150  # characters of one CRM value (a name, a subject) in a line


class Part(NamedTuple):
    """Some words of a line: CRM text (``from_crm``) is escaped when rendered; ``url`` makes it a link to
    the record it names."""

    text: str
    from_crm: bool
    url: str | None = None


@dataclass(frozen=True)
class Line:
    """One line of a digest: what it is (``ref``: ``task:ID``, ``action:ID``, ``bundle:R06``,
    ``meeting:ID``), its words as parts (:class:`Part`), and its state when it is no longer open (filled
    when a click redraws the message)."""

    ref: str
    parts: tuple[Part, ...]
    kind: str  # task | action | bundle | meeting
    rule: str | None = None
    count: int = 1
    url: str | None = None  # a meeting's link
    status: str | None = None  # e.g. "completed", "snoozed until 09:00"
    saved: Saved | None = None  # with HubSpot connected: where its change stands in HubSpot (a redraw)

    @property
    def plain(self) -> str:
        return "".join(part.text for part in self.parts)


def clip(text: str | None, limit: int = VALUE_LIMIT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def busy_line(meeting: MeetingLike, tz: str) -> Line:
    """A meeting of another user as a super admin sees it: its time only."""
    when = "?"
    if meeting.start_at is not None:
        when = format_clock(meeting.start_at, tz)
        if meeting.end_at is not None:
            when += f"–{format_clock(meeting.end_at, tz)}"
    return Line(ref=f"meeting:{meeting.id}", parts=(Part(f"{when}  Busy", False),), kind="meeting")


class Describer:
    """Names and subjects for lines, fetched in a few batched, permission-filtered queries."""

    def __init__(self, session: Session, user: User, *, masked: bool = False) -> None:
        self.session = session
        self.user = user
        self.masked = masked
        self.statements = digest_statements(user)
        self.params = permission_params(user)
        self.contacts: dict[str, str] = {}
        self.companies: dict[str, str] = {}
        self.deals: dict[str, str] = {}
        self.activities: dict[str, Row[*tuple[Any, ...]]] = {}
        self.first_contact: dict[str, str] = {}
        self.meeting_contacts: dict[str, list[str]] = defaultdict(list)
        self.urls: dict[tuple[RecordKind, str], str] = {}

    def prefetch(
        self,
        actions: Sequence[ActionRow],
        tasks: Sequence[TaskLike],
        meetings: Sequence[MeetingLike],
    ) -> None:
        """Load what the lines of ``actions``, ``tasks`` and ``meetings`` name: only the columns a line
        shows, each kind in one query."""
        # Masked: no meeting's row is read, so no line can show its title (the action says "Busy").
        subject_types = ("email", "call", "task") if self.masked else ("email", "meeting", "call", "task")
        activity_ids = {a.subject_id for a in actions if a.subject_type in subject_types}
        if self.masked:
            meetings = []
        deal_ids = {a.subject_id for a in actions if a.subject_type == "deal"}
        contact_ids = {a.contact_id for a in actions if a.contact_id}
        company_ids = {a.company_id for a in actions if a.company_id}
        if activity_ids:
            self.activities = {
                row.id: row for row in self._by_id(self.statements.activities_by_id, activity_ids)
            }
        if deal_ids:
            deals = self._by_id(self.statements.deals_by_id, deal_ids)
            self.deals = {row.id: clip(row.name) for row in deals}
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
        if self.deals or self.contacts or self.companies:
            self.urls = RecordLinks.load(self.session).urls(
                {"deal": self.deals, "contact": self.contacts, "company": self.companies}
            )

    def _by_id(self, stmt: Select[*tuple[Any, ...]], ids: Iterable[str]) -> list[Row[*tuple[Any, ...]]]:
        return list(self.session.execute(stmt, {**self.params, "ids": list(ids)}))

    # --- lines ---------------------------------------------------------------------------------------

    def _name(self, kind: RecordKind, record_id: str | None) -> Part | None:
        """The record's name (as loaded, so one the user may see) linked to it, or None."""
        names = {"deal": self.deals, "contact": self.contacts, "company": self.companies}[kind]
        name = names.get(record_id or "")
        return Part(name, True, self.urls.get((kind, record_id or ""))) if name else None

    def task_line(self, task: TaskLike, *, due: bool = False) -> Line:
        parts: list[Part] = [Part(clip(task.title) or "Untitled task", True)]
        contact = self._name("contact", self.first_contact.get(task.id))
        if contact:
            parts += [Part(" · ", False), contact]
        if due and task.due_at is not None:
            parts.append(Part(f" (due {format_day(local_date(task.due_at, self.user.timezone))})", False))
        return Line(ref=f"task:{task.id}", parts=tuple(parts), kind="task")

    def meeting_line(self, meeting: MeetingLike) -> Line:
        tz = self.user.timezone
        when = "?"
        if meeting.start_at is not None:
            when = format_clock(meeting.start_at, tz)
            if meeting.end_at is not None:
                when += f"–{format_clock(meeting.end_at, tz)}"
        parts: list[Part] = [Part(f"{when}  ", False), Part(clip(meeting.title) or "Meeting", True)]
        names = [n for c in self.meeting_contacts.get(meeting.id, []) if (n := self._name("contact", c))]
        if names:
            parts.append(Part(" with ", False))
            for i, name in enumerate(names[:3]):
                parts += [Part(", ", False), name] if i else [name]
            if len(names) > 3:
                parts.append(Part(f" +{len(names) - 3}", False))
        return Line(ref=f"meeting:{meeting.id}", parts=tuple(parts), kind="meeting", url=meeting.link)

    def entry_line(self, entry: DigestEntry[ActionRow], *, high_priority_today: int) -> Line:
        rule = RULES_BY_CODE[entry.rule]
        title = Part(f"{rule.title}: ", False)
        if entry.bundled:
            count = high_priority_today if entry.rule == "R13" else entry.count
            noun = _plural(count, BUNDLE_NOUNS.get(entry.rule, "item"))
            return Line(
                ref=f"bundle:{entry.rule}",
                parts=(title, Part(noun, False)),
                kind="bundle",
                rule=entry.rule,
                count=entry.count,
            )
        action = entry.actions[0]
        masked = self.masked and action.subject_type == "meeting"
        return Line(
            ref=f"action:{action.id}",
            parts=(title, Part("Busy", False)) if masked else (title, *self.action_detail(action)),
            kind="action",
            rule=entry.rule,
        )

    def action_detail(self, action: ActionRow) -> list[Part]:
        contact = self._name("contact", action.contact_id)
        company = self._name("company", action.company_id)
        who: list[Part] = [contact] if contact else [Part("a contact", False)]
        if company:
            who += [Part(" (", False), company, Part(")", False)]
        if action.subject_type == "deal":
            deal = self._name("deal", action.subject_id)
            return [deal] if deal else [Part("a deal", False)]
        activity = self.activities.get(action.subject_id)
        if action.subject_type == "email":
            subject = clip(activity.subject) if activity is not None else ""
            return who + ([Part(" · “", False), Part(subject, True), Part("”", False)] if subject else [])
        if action.subject_type in ("meeting", "call"):
            if activity is None:
                return [Part(f"a {action.subject_type}", False)]
            parts: list[Part] = [Part(clip(activity.title) or action.subject_type.capitalize(), True)]
            start = activity.start_at or activity.started_at
            if start is not None:
                when = format_clock(start, self.user.timezone)
                if local_date(start, self.user.timezone) != local_date(action.created_at, self.user.timezone):
                    when = f"{format_day(local_date(start, self.user.timezone))} {when}"
                parts.append(Part(f" at {when}", False))
            if contact:
                parts += [Part(" with ", False), contact]
            return parts
        return who
