"""Local days in a user's time zone: the digest, R04 and R13 all count days where the user lives."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


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
