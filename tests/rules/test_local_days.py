"""R04 and R13 count days where the user lives: zones far from UTC, and the days daylight saving makes 25
and 23 hours long."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from rules.registry import RULES_BY_CODE
from tests.rules.helpers import actions, run, summary
from tests.rules.world import World


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def world(engine: Engine) -> Iterator[World]:
    w = World(engine)
    yield w
    w.close()


# (zone, now, task due, R13 key expected or None): "today" is the user's local day at ``now``.
R13_CASES = [
    # UTC+14: at 12:00 UTC it is already 02:00 on the 24th in Kiritimati.
    ("Pacific/Kiritimati", "2026-11-23T12:00", "2026-11-23T10:00", "2026-11-24"),  # local 00:00
    ("Pacific/Kiritimati", "2026-11-23T12:00", "2026-11-24T09:59", "2026-11-24"),  # local 23:59
    ("Pacific/Kiritimati", "2026-11-23T12:00", "2026-11-23T09:59", None),  # local 23:59 yesterday
    ("Pacific/Kiritimati", "2026-11-23T12:00", "2026-11-24T10:00", None),  # local 00:00 tomorrow
    # UTC-11: at 12:00 UTC it is 01:00 on the 23rd in Pago Pago.
    ("Pacific/Pago_Pago", "2026-11-23T12:00", "2026-11-23T11:00", "2026-11-23"),  # local 00:00
    ("Pacific/Pago_Pago", "2026-11-23T12:00", "2026-11-24T10:59", "2026-11-23"),  # local 23:59
    ("Pacific/Pago_Pago", "2026-11-23T12:00", "2026-11-23T10:59", None),  # local 23:59 yesterday
    ("Pacific/Pago_Pago", "2026-11-23T12:00", "2026-11-24T11:00", None),  # local 00:00 tomorrow
    # New York leaves daylight saving on 2026-11-01: a 25-hour day, 04:00 UTC to 05:00 UTC the next day.
    ("America/New_York", "2026-11-01T16:00", "2026-11-02T04:30", "2026-11-01"),  # local 23:30 EST
    ("America/New_York", "2026-11-01T16:00", "2026-11-01T04:00", "2026-11-01"),  # local 00:00 EDT
    ("America/New_York", "2026-11-01T16:00", "2026-11-02T05:00", None),  # local 00:00 on the 2nd
    # Warsaw enters daylight saving on 2026-03-29: a 23-hour day, 23:00 UTC the day before to 22:00 UTC.
    ("Europe/Warsaw", "2026-03-29T10:00", "2026-03-29T21:30", "2026-03-29"),  # local 23:30 CEST
    ("Europe/Warsaw", "2026-03-29T10:00", "2026-03-28T23:00", "2026-03-29"),  # local 00:00 CET
    ("Europe/Warsaw", "2026-03-29T10:00", "2026-03-29T22:00", None),  # local 00:00 on the 30th
    ("Europe/Warsaw", "2026-03-29T10:00", "2026-03-28T22:59", None),  # local 23:59 on the 28th
]


@pytest.mark.parametrize(("zone", "now", "due", "day"), R13_CASES)
def test_r13_counts_the_users_local_day(
    engine: Engine, world: World, zone: str, now: str, due: str, day: str | None
) -> None:
    world.users["u1"].timezone = zone
    world.task("t1", due=utc(due), priority="high")
    run(engine, world, now=utc(now), rules=[RULES_BY_CODE["R13"]])
    assert summary(engine, rule="R13") == ([("R13", "u1", f"u1|{day}", "open")] if day else [])


# R04: due on or before the end of the user's local today.
R04_CASES = [
    ("Pacific/Kiritimati", "2026-11-23T12:00", "2026-11-24T09:59", True),
    ("Pacific/Kiritimati", "2026-11-23T12:00", "2026-11-24T10:00", False),
    ("Pacific/Pago_Pago", "2026-11-23T12:00", "2026-11-24T10:59", True),
    ("Pacific/Pago_Pago", "2026-11-23T12:00", "2026-11-24T11:00", False),
    ("America/New_York", "2026-11-01T16:00", "2026-11-02T04:59", True),
    ("America/New_York", "2026-11-01T16:00", "2026-11-02T05:00", False),
    ("Europe/Warsaw", "2026-03-29T10:00", "2026-03-29T21:59", True),
    ("Europe/Warsaw", "2026-03-29T10:00", "2026-03-29T22:00", False),
]


@pytest.mark.parametrize(("zone", "now", "due", "fires"), R04_CASES)
def test_r04_counts_the_end_of_the_users_local_day(
    engine: Engine, world: World, zone: str, now: str, due: str, fires: bool
) -> None:
    world.users["u1"].timezone = zone
    world.contact("c1")
    world.enrollment("e1", "c1")
    world.task("t1", due=utc(due), enrollment_id="e1")
    run(engine, world, now=utc(now), rules=[RULES_BY_CODE["R04"]])
    assert summary(engine, rule="R04") == ([("R04", "u1", "t1", "open")] if fires else [])


def test_users_in_different_zones_get_their_own_local_day(engine: Engine, world: World) -> None:
    world.users["u1"].timezone = "Pacific/Kiritimati"
    world.users["u2"].timezone = "Pacific/Pago_Pago"
    world.task("t1", due=utc("2026-11-23T20:00"), priority="high")
    world.task("t2", owner="u2", due=utc("2026-11-23T20:00"), priority="high")
    run(engine, world, now=utc("2026-11-23T12:00"), rules=[RULES_BY_CODE["R13"]])
    assert summary(engine, rule="R13") == [
        ("R13", "u1", "u1|2026-11-24", "open"),
        ("R13", "u2", "u2|2026-11-23", "open"),
    ]


def test_r13_expires_when_the_users_local_day_ends(engine: Engine, world: World) -> None:
    world.users["u1"].timezone = "Pacific/Kiritimati"
    world.task("t1", due=utc("2026-11-24T09:00"), priority="high")  # local 23:00 on the 24th
    run(engine, world, now=utc("2026-11-23T12:00"))
    run(engine, now=utc("2026-11-24T09:59"))
    assert summary(engine, rule="R13") == [("R13", "u1", "u1|2026-11-24", "open")]
    run(engine, now=utc("2026-11-24T10:00"))  # local midnight
    (action,) = actions(engine, rule="R13")
    assert (action.state, action.expired_reason) == ("expired", "criteria_no_longer_met")


def test_an_unknown_time_zone_counts_as_utc(engine: Engine, world: World) -> None:
    world.users["u1"].timezone = "Mars/Olympus_Mons"
    world.task("t1", due=utc("2026-11-23T20:00"), priority="high")
    run(engine, world, now=utc("2026-11-23T12:00"), rules=[RULES_BY_CODE["R13"]])
    assert summary(engine, rule="R13") == [("R13", "u1", "u1|2026-11-23", "open")]
