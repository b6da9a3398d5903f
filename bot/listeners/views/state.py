"""Reading a submitted modal's inputs (``view.state.values``) defensively: a forged or partial payload gives
None, never a crash."""

from __future__ import annotations

from typing import Any


def _element(view: dict[str, Any], ids: tuple[str, str]) -> dict[str, Any]:
    values = ((view.get("state") or {}).get("values")) or {}
    block = values.get(ids[0]) if isinstance(values, dict) else None
    element = block.get(ids[1]) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def input_value(view: dict[str, Any], ids: tuple[str, str]) -> str | None:
    value = _element(view, ids).get("value")
    return value if isinstance(value, str) else None


def selected_value(view: dict[str, Any], ids: tuple[str, str]) -> str | None:
    option = _element(view, ids).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else None


def selected_date(view: dict[str, Any], ids: tuple[str, str]) -> str | None:
    value = _element(view, ids).get("selected_date")
    return value if isinstance(value, str) else None


def selected_values(view: dict[str, Any], ids: tuple[str, str]) -> list[str]:
    options = _element(view, ids).get("selected_options")
    if not isinstance(options, list):
        return []
    return [o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)]


def time_value(view: dict[str, Any], ids: tuple[str, str]) -> str | None:
    value = _element(view, ids).get("selected_time")
    return value if isinstance(value, str) else None


def clock_value(view: dict[str, Any], ids: tuple[str, str]) -> tuple[int, int] | None:
    """A time picker's ``HH:MM`` as (hour, minute), or None for anything else (digits are ASCII only)."""
    hh, sep, mm = (time_value(view, ids) or "").partition(":")
    if not (sep and len(hh) == 2 and len(mm) == 2 and (hh + mm).isascii() and (hh + mm).isdigit()):
        return None
    hour, minute = int(hh), int(mm)
    return (hour, minute) if hour < 24 and minute < 60 else None
