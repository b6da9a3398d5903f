"""When a snooze ends, for the digest's menu: "1 hour", "tomorrow at digest time", "next Monday at digest
time", in the user's zone (a DST day has 23 or 25 hours, so local wall-clock times are combined with the
zone, not added as hours)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from crm.localtime import format_clock, format_day, local_date, zone
from crm.models import User


def digest_clock(user: User) -> time:
    try:
        hours, minutes = (int(part) for part in (user.digest_time or "08:00").split(":"))
        return time(hours, minutes)
    except ValueError:
        return time(8, 0)


def snooze_until(user: User, choice: str, now: datetime) -> datetime:
    """The instant a snooze chosen at ``now`` ends. ``ValueError`` for an unknown choice."""
    if choice == "1h":
        return now + timedelta(hours=1)
    today = local_date(now, user.timezone)
    if choice == "tomorrow":
        day = today + timedelta(days=1)
    elif choice == "monday":
        day = today + timedelta(days=7 - today.weekday())  # the next Monday, a week ahead on a Monday
    else:
        raise ValueError(f"unknown snooze choice {choice!r}")
    return datetime.combine(day, digest_clock(user), zone(user.timezone)).astimezone(UTC)


def describe_until(until: datetime, tz: str, now: datetime) -> str:
    """``14:05`` when that is today in ``tz``, else ``Tue 2026-11-24 08:00``."""
    day = local_date(until, tz)
    clock = format_clock(until, tz)
    return clock if day == local_date(now, tz) else f"{format_day(day)} {clock}"
