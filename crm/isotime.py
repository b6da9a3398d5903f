"""The dataset's time and date text: ISO 8601, UTC times written with ``Z``."""

from __future__ import annotations

from datetime import UTC, date, datetime


def format_time(value: datetime) -> str:
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return f"{text}Z"


def format_time_or_none(value: datetime | None) -> str | None:
    return None if value is None else format_time(value)


def format_date_or_none(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def parse_time(text: str) -> datetime:
    """An aware datetime from ISO 8601 text; a missing offset is an error, never a guess."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError(f'"{text}" has no offset (write 2026-11-20T09:30:00Z)')
    return parsed
