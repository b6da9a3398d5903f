"""Fixtures of the connector's tests: the fake HubSpot, and a clock that moves only when someone sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hubspot_connector.api import HubSpotApi, RetryPolicy
from hubspot_connector.budget import RateBudget
from tests.bot.conftest import slack, world  # noqa: F401  (fixtures of ``hs``)
from tests.conftest import NOW
from tests.fakes.hubspot_api import TOKEN, FakeHubSpot
from tests.fakes.hubspot_state import State
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

if TYPE_CHECKING:
    from tests.hubspot_connector.connected import Connected


@dataclass
class FakeTime:
    """``clock`` and ``sleep`` for the code under test: sleeping moves the clock, instantly."""

    now: datetime = NOW
    slept: list[float] = field(default_factory=list)

    def clock(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def hubspot(fake_time: FakeTime) -> Iterator[FakeHubSpot]:
    with FakeHubSpot(State(clock=fake_time.clock)) as fake:
        yield fake


def make_api(
    fake: FakeHubSpot,
    time: FakeTime,
    engine: Engine | None = None,
    *,
    per_10s: int = 100,
    search_per_s: int = 4,
    token: str = TOKEN,
    timeout_s: float = 5.0,
) -> HubSpotApi:
    budget = (
        RateBudget(engine, per_10s, search_per_s, clock=time.clock, sleep=time.sleep)
        if engine is not None
        else None
    )
    return HubSpotApi(
        token,
        base_url=fake.base_url,
        budget=budget,
        clock=time.clock,
        sleep=time.sleep,
        retry=RetryPolicy(attempts=4, backoff_s=0.5, timeout_s=timeout_s),
    )


@pytest.fixture
def app_clock() -> list[datetime]:
    """The Slack app's clock (write-back's ``now``): tests move it by assigning ``app_clock[0]``."""
    return [NOW]


@pytest.fixture
def hs(
    engine: Engine,
    world: World,  # noqa: F811
    slack: FakeSlack,  # noqa: F811
    hubspot: FakeHubSpot,
    fake_time: FakeTime,
    app_clock: list[datetime],
    session: Session,
) -> Iterator[Connected]:
    """The Slack app with HubSpot connected (the fake portal mirroring the CRM world), its write-back pool
    shut down after the test. The test's session is closed once the mirror is written (it holds no read
    transaction open: SQLite's write lock stays free for the app)."""
    from tests.hubspot_connector.connected import connect, crm_world, mirror  # it imports FakeTime from here

    crm_world(world)
    connected = connect(engine, slack, hubspot, fake_time, app_clock)
    mirror(connected, session)
    session.close()
    yield connected
    connected.services.shutdown()
