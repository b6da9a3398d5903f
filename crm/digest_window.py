"""When a digest may go out: from its time on one of the user's weekdays until ``late`` after it.

A digest the scheduler could not send on time goes out late only within ``SALESBOT_DIGEST_LATE_HOURS``
(default 3) of its time; after that it is recorded as ``missed`` and never sent, so nobody gets a "morning"
digest in the evening or at night, whether the scheduler was down, slow, or just installed. Times are
instants: the digest time in the user's zone on their local date, converted to UTC, so the window is the
same number of real hours on daylight-saving days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from crm.localtime import local_date, zone
from crm.models import DigestKind, Role, User

DEFAULT_LATE = timedelta(hours=3)


class Window(StrEnum):
    OFF = "off"  # digests off, or not one of the user's weekdays
    BEFORE = "before"  # today's digest time has not come yet
    DUE = "due"  # at or after the digest time, within the late window
    MISSED = "missed"  # the late window has passed


def digest_time(user: User) -> time:
    hh, _, mm = (user.digest_time or "08:00").partition(":")
    return time(int(hh), int(mm))


def scheduled_at(user: User, day: date) -> datetime:
    """The UTC instant of the user's digest time on their local ``day``."""
    return datetime.combine(day, digest_time(user), zone(user.timezone)).astimezone(UTC)


def is_digest_day(user: User, day: date) -> bool:
    return bool(user.digest_enabled) and day.isoweekday() in (user.digest_weekdays or [])


@dataclass(frozen=True)
class Slot:
    day: date  # the user's local date at ``now``
    window: Window
    deadline: datetime  # the last instant (exclusive) the digest may be sent


def slot(user: User, now: datetime, late: timedelta = DEFAULT_LATE) -> Slot:
    """Where ``now`` falls for the user's digest of their local day."""
    day = local_date(now, user.timezone)
    start = scheduled_at(user, day)
    deadline = start + late
    if not is_digest_day(user, day):
        return Slot(day, Window.OFF, deadline)
    if now < start:
        return Slot(day, Window.BEFORE, deadline)
    return Slot(day, Window.DUE if now < deadline else Window.MISSED, deadline)


def kinds_of(user: User) -> tuple[str, ...]:
    """The digests a user gets each morning: their own, and a team digest for managers who opted in."""
    if user.digest_team and user.role in (Role.MANAGER, Role.SUPER_ADMIN):
        return (DigestKind.OWN.value, DigestKind.TEAM.value)
    return (DigestKind.OWN.value,)
