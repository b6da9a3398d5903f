"""Local days in a user's time zone (the digest, R04 and R13 all count days where the user lives), the time
formats lines show, and ``wall_clock``: the one function that reads the clock, called only at the edges (the
CLI, the scheduler, the app's listeners) and passed inward as ``now``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def wall_clock() -> datetime:
    return datetime.now(UTC)


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or "UTC")


def local_date(now: datetime, tz: str | None) -> date:
    return now.astimezone(zone(tz)).date()


def day_bounds(day: date, tz: str | None) -> tuple[datetime, datetime]:
    """The UTC instants where local ``day`` starts and the next day starts (23 or 25 hours on DST days)."""
    z = zone(tz)
    start = datetime.combine(day, time(0), z).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), z).astimezone(UTC)
    return start, end


def format_clock(at: datetime, tz: str) -> str:
    """24-hour local time, locale-neutral: ``14:05``."""
    return at.astimezone(zone(tz)).strftime("%H:%M")


def format_day(day: date) -> str:
    """``Mon 2026-11-23``: ISO date with an English weekday, the same in every locale."""
    return f"{day:%a} {day.isoformat()}"
