"""Rule cases as data: one module per rule, each a ``CASES`` list of named cases.

- ``fires_*``: after one evaluation at ``now`` the rule has exactly the expected actions;
- ``silent_*``: the rule has no action (one case per creation criterion, clarifications and boundaries);
- ``expires_*``: one evaluation creates the rule's one action; after ``change`` (if any), an evaluation at
  ``now + later`` expires it with ``reason``;
- ``stays_*``: the same, but the action must still be open (an expiration list that is complete).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tests.conftest import NOW
from tests.rules.world import World

Arrange = Callable[[World], Any]


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    arrange: Arrange
    expect: tuple[dict[str, Any], ...] = ()
    change: Arrange | None = None
    later: timedelta = field(default_factory=timedelta)
    reason: str | None = None
    now: datetime = NOW

    @property
    def kind(self) -> str:
        return self.name.split("_", 1)[0]

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.name}"


def fires(rule: str, name: str, arrange: Arrange, *expect: dict[str, Any], now: datetime = NOW) -> Case:
    """``expect``: the actions' fields to check; ``key`` is required and ``user_id`` defaults to u1."""
    assert name.startswith("fires_") and expect and all("key" in e for e in expect)
    return Case(rule, name, arrange, expect=tuple({"user_id": "u1", **e} for e in expect), now=now)


def silent(rule: str, name: str, arrange: Arrange, *, now: datetime = NOW) -> Case:
    assert name.startswith("silent_")
    return Case(rule, name, arrange, now=now)


def expires(
    rule: str,
    name: str,
    arrange: Arrange,
    *,
    reason: str,
    change: Arrange | None = None,
    later: timedelta | None = None,
    now: datetime = NOW,
) -> Case:
    assert name.startswith("expires_")
    return Case(rule, name, arrange, change=change, later=later or timedelta(), reason=reason, now=now)


def stays(
    rule: str, name: str, arrange: Arrange, *, change: Arrange | None = None, later: timedelta | None = None
) -> Case:
    assert name.startswith("stays_")
    return Case(rule, name, arrange, change=change, later=later or timedelta())


def then(*steps: Arrange) -> Arrange:
    """Several arrangements (or changes) in a row: ``then(base, lambda w: ...)``."""

    def run(world: World) -> None:
        for step in steps:
            step(world)

    return run


def set_(collection: str, id_: str, **attrs: Any) -> Arrange:
    """Set attributes of a world's record, e.g. ``set_("contacts", "c1", owner_id="u2")``; an activity's
    derived times follow."""

    def run(world: World) -> None:
        record = getattr(world, collection)[id_]
        for name, value in attrs.items():
            setattr(record, name, value)
        if collection == "activities":
            world.retime(record)

    return run
