"""The late window: a digest goes out late only within SALESBOT_DIGEST_LATE_HOURS of its time, across time
zones and daylight-saving changes; after it, the day is recorded as missed, never sent at night."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.digest.delivery import DeliveryConfig, send_due
from crm.digest_window import Window, scheduled_at, slot
from crm.models import User
from tests.bot.test_delivery import add_user, deliveries, posted_to
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


def user(tz: str, at: str = "08:00") -> User:
    return User(
        id="x",
        email="x@acme.test",
        name="X",
        timezone=tz,
        digest_time=at,
        digest_enabled=True,
        digest_weekdays=EVERY_DAY,
    )


@pytest.mark.parametrize(
    ("tz", "day", "utc_hour"),
    [
        ("Europe/Warsaw", date(2026, 3, 28), 7),  # CET, the day before summer time
        ("Europe/Warsaw", date(2026, 3, 29), 6),  # CEST from 02:00 that night
        ("America/New_York", date(2026, 3, 7), 13),  # EST
        ("America/New_York", date(2026, 3, 8), 12),  # EDT from 02:00
        ("America/New_York", date(2026, 11, 1), 13),  # back to EST
        ("Asia/Kolkata", date(2026, 3, 29), 2),  # 08:00 at +05:30 is 02:30 UTC
    ],
)
def test_the_window_is_three_real_hours_from_the_local_digest_time(tz: str, day: date, utc_hour: int) -> None:
    u = user(tz)
    start = scheduled_at(u, day)
    assert start.hour == utc_hour and start.date() == day
    assert slot(u, start - timedelta(minutes=1)).window == Window.BEFORE
    assert slot(u, start).window == Window.DUE
    assert slot(u, start + timedelta(hours=3) - timedelta(seconds=1)).window == Window.DUE
    assert slot(u, start + timedelta(hours=3)).window == Window.MISSED
    assert slot(u, start + timedelta(hours=2), timedelta(hours=1)).window == Window.MISSED


def test_a_digest_time_skipped_by_the_clock_change_is_due_from_the_change() -> None:
    # 02:30 does not exist in New York on 2026-03-08 (02:00 -> 03:00): due from 03:30 EDT at the latest.
    u = user("America/New_York", "02:30")
    assert slot(u, datetime(2026, 3, 8, 7, 30, tzinfo=UTC)).window == Window.DUE
    assert slot(u, datetime(2026, 3, 8, 6, 59, tzinfo=UTC)).window == Window.BEFORE


def test_first_tick_after_install_at_night_sends_nothing_and_records_missed(
    world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    # Installed on Monday at 22:53 in Warsaw: the 08:00 digest of that day is long past its window.
    add_user(world, "u3", "warsaw@acme.test", timezone="Europe/Warsaw", digest_time="08:00")
    # ...while in Los Angeles it is 13:53, within 3 hours of a 11:00 digest: sent.
    add_user(world, "u4", "la@acme.test", timezone="America/Los_Angeles", digest_time="11:00")
    world.users["u1"].digest_enabled = False
    world.users["u2"].digest_enabled = False
    world.commit()
    report = send_due(engine, client, datetime(2026, 11, 23, 21, 53, tzinfo=UTC))
    assert posted_to(slack) == ["UU4"]
    assert report.missed == 1
    rows = deliveries(session)
    assert rows[("u3", date(2026, 11, 23))].state == "missed"
    # A later tick neither sends it nor records it again.
    again = send_due(engine, client, datetime(2026, 11, 23, 22, 10, tzinfo=UTC))
    assert (again.sent, again.missed) == (0, 0)
    # The next morning is a new day: sent on time.
    send_due(engine, client, datetime(2026, 11, 24, 7, 1, tzinfo=UTC))
    assert posted_to(slack) == ["UU3", "UU4"]


def test_a_retry_still_failing_when_the_window_ends_is_missed_with_its_error(
    world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    add_user(world, "u3", "e@acme.test", digest_time="06:00")
    world.users["u1"].digest_enabled = False
    world.users["u2"].digest_enabled = False
    world.commit()
    slack.fail("chat.postMessage", status=500, times=100)
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    config = DeliveryConfig(late=timedelta(hours=1))
    assert send_due(engine, client, start, config=config).retry == 1
    row = deliveries(session)[("u3", date(2026, 11, 23))]
    assert row.state == "retry"
    send_due(engine, client, start + timedelta(hours=1), config=config)
    row = deliveries(session)[("u3", date(2026, 11, 23))]
    assert row.state == "missed" and row.last_error
    assert slack.messages == []
