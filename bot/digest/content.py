"""What goes into one user's digest, read from the CRM through the permission filter.

``load_digest(session, user, now)`` returns a :class:`Digest`: the counts of the digest's context line and
the items of each section, in order, each already described in words (names, subjects, local times). The
renderers (``bot.digest.render``) only lay it out; they never query.

Every CRM record named in a line is read through ``crm.permissions.visible`` (its statements are
``crm.queries.digest``'s, built once per permission shape): a guided action about a
contact the user may no longer see says "a contact", not the contact's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.lines import Describer, Line
from crm.localtime import local_date
from crm.models import User
from crm.queries.digest import SECTION_LIMIT, digest_params, digest_statements, live_actions
from crm.queries.workspace import tasks_by_day
from rules.registry import digest_entries

TOMORROW_PREVIEW = 3


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
    entries = digest_entries(live_actions(session, user, now))
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
    describer = Describer(session, user)
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
