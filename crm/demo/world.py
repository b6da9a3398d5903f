"""The generator's shared state: the clock, the random source, id counters and every rep's book.

A rep's *book* is what later collections need to refer back to (contacts, companies, leads, deals,
enrollments), kept as small slotted objects rather than record dicts so the large profile's 200,000 contacts
stay cheap. The activities and engagement events, by far the bulk, are never kept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTE = 60
HOUR = 3_600
DAY = 86_400
ORG_DOMAIN = "acme.test"

# Positions in every rep's contact list, each reserved for one scenario (docs/guided-actions.md) so the
# background work never spoils it. Contacts from POOL on are ordinary and take the background work.
NEWLY_ASSIGNED = (0, 1, 2)  # R01: assigned days ago, no deal, no email either way
REPLIED = 3  # R05: replied to the rep's email two days ago
WROTE = 4  # R09: wrote to the rep, no open lead, no open deal
DEAL_WRITER = 5  # R10: on an open deal, wrote to the rep
NEW_LEAD = 6  # R02: contact of a lead assigned two days ago, in the first stage
LEAD_WRITER = 7  # R11: contact of an open lead, wrote to the rep
ENGAGED_LEAD = 8  # R15: contact of an open lead, filled in a form yesterday
REENGAGED = 9  # R03: lead disqualified 40 days ago, visited the pricing page since
TARGET = 10  # R14: at the rep's target account, engaged two days ago
BUYER = 11  # R19: on an open deal, opened the rep's email ten days ago, no reply
QUIET_DEAL = 12  # R16: on the deal whose last call was three days ago
UNOWNED = 13  # R14 through the company's owner: a contact nobody owns
MEETINGS = 14  # R06, R07, R08, R13: meetings and calls of the last days
ENROLLED = 15  # R04: enrolled in a sequence with tasks due
POOL = 16
SETTLED = 30 * DAY  # background work on reserved contacts stays older than this


@lru_cache(maxsize=1)
def _times_of_day() -> tuple[str, ...]:
    return tuple(f"T{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60))


class Clock:
    """Instants as whole epoch seconds, written as ISO text through two lookup tables (days, seconds of
    the day): formatting millions of times through ``datetime`` would cost more than everything else."""

    SPAN_DAYS = 1_100

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.now = int(now.timestamp())
        self._first_day = self.now // DAY - self.SPAN_DAYS
        first = date(1970, 1, 1) + timedelta(days=self._first_day)
        self._days = [(first + timedelta(days=n)).isoformat() for n in range(2 * self.SPAN_DAYS + 1)]
        self._times = _times_of_day()

    def iso(self, ts: int) -> str:
        day, second = divmod(ts, DAY)
        return self._days[day - self._first_day] + self._times[second]

    def ago(self, seconds: int) -> str:
        return self.iso(self.now - seconds)

    def date(self, ts: int) -> str:
        return self._days[ts // DAY - self._first_day]

    def local(self, zone: ZoneInfo, days: int, hour: int, minute: int = 0) -> int:
        """The instant of a wall-clock time ``days`` after the local today in ``zone``."""
        today = datetime.fromtimestamp(self.now, zone).date()
        return int(datetime.combine(today + timedelta(days=days), time(hour, minute), zone).timestamp())


@dataclass(slots=True)
class Company:
    id: str
    name: str
    domain: str
    owner_id: str
    target: bool


@dataclass(slots=True)
class Person:
    """A contact, as much of it as activities and events need."""

    id: str
    first: str
    email: str
    company: Company


@dataclass(slots=True)
class DealRef:
    id: str
    open: bool
    contacts: list[Person]


@dataclass(slots=True)
class Rep:
    number: int
    id: str
    name: str
    email: str
    zone: ZoneInfo
    midnight: int  # the local today's midnight, for placing background work in office hours
    weekday: int  # the local today's weekday, Monday = 0
    companies: list[Company] = field(default_factory=list)
    contacts: list[Person] = field(default_factory=list)
    open_lead_of: dict[str, str] = field(default_factory=dict)  # contact id -> its open lead's id
    deals: list[DealRef] = field(default_factory=list)  # the scenarios' first (SCENARIO_DEALS)
    enrollments: list[tuple[str, Person]] = field(default_factory=list)


class Demo:
    """What every part of the generator shares; one per ``generate`` call."""

    def __init__(self, now: datetime, seed: int) -> None:
        self.clock = Clock(now)
        self.rng = random.Random(seed)
        self.reps: list[Rep] = []
        self._counters: dict[str, int] = {}

    def new_id(self, prefix: str) -> str:
        n = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = n
        return f"{prefix}{n}"

    def take_ids(self, prefix: str, count: int) -> int:
        """Reserve ``count`` ids of ``prefix`` at once; returns the first number (for hot loops)."""
        first = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = first + count - 1
        return first
