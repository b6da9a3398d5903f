"""The fake HubSpot's search filters and sorts: groups ORed, filters within a group ANDed; numbers, times
(epoch milliseconds or ISO 8601) and strings compared as HubSpot does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.fakes.hubspot_state import FakeObject, parse_time


def _value(obj: FakeObject, name: str) -> str | None:
    if name == "hs_object_id":
        return str(obj.id)
    return obj.properties.get(name)


def _comparable(value: str) -> float | datetime | str:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return parse_time(value)
    except ValueError:
        return value.lower()


def _pair(left: str, right: str) -> tuple[Any, Any]:
    a, b = _comparable(left), _comparable(right)
    if type(a) is type(b):
        return a, b
    if isinstance(a, datetime) and isinstance(b, float):
        return a, parse_time(str(int(b)))
    if isinstance(a, float) and isinstance(b, datetime):
        return parse_time(str(int(a))), b
    return str(left).lower(), str(right).lower()


_INT_OPS = {
    "EQ": int.__eq__, "NEQ": int.__ne__, "LT": int.__lt__,
    "LTE": int.__le__, "GT": int.__gt__, "GTE": int.__ge__,
}  # fmt: skip


def _test(obj: FakeObject, f: dict[str, Any]) -> bool:
    if f["propertyName"] == "hs_object_id" and f["operator"] in _INT_OPS:
        return bool(_INT_OPS[f["operator"]](obj.id, int(str(f["value"]))))
    value = _value(obj, f["propertyName"])
    op = f["operator"]
    if op == "HAS_PROPERTY":
        return value not in (None, "")
    if op == "NOT_HAS_PROPERTY":
        return value in (None, "")
    if op in ("IN", "NOT_IN"):
        values = {str(v).lower() for v in f.get("values", [])}
        inside = value is not None and value.lower() in values
        return inside if op == "IN" else not inside
    if value is None:
        return op == "NEQ"
    if op == "BETWEEN":
        a, low = _pair(value, str(f["value"]))
        b, high = _pair(value, str(f["highValue"]))
        return bool(low <= a and b <= high)
    a, b = _pair(value, str(f["value"]))
    return {
        "EQ": a == b,
        "NEQ": a != b,
        "LT": a < b,
        "LTE": a <= b,
        "GT": a > b,
        "GTE": a >= b,
    }[op]


def matches(obj: FakeObject, groups: list[list[dict[str, Any]]]) -> bool:
    if not groups:
        return True
    return any(all(_test(obj, f) for f in group) for group in groups)


def sort_key(sorts: list[dict[str, Any]]) -> Callable[[FakeObject], Any]:
    if not sorts:
        return lambda o: o.id
    name = sorts[0].get("propertyName", "hs_object_id")
    descending = sorts[0].get("direction", "ASCENDING") == "DESCENDING"
    if name == "hs_object_id":
        return (lambda o: -o.id) if descending else (lambda o: o.id)

    def key(o: FakeObject) -> Any:
        value = o.properties.get(name)
        c = _comparable(value) if value is not None else ""
        rank = c.timestamp() if isinstance(c, datetime) else c
        if descending and isinstance(rank, float):
            rank = -rank
        return (value is None, str(type(rank)), rank, o.id)

    return key
