"""``salesbot clock``'s ``hubspot-sync`` job: scheduled every ``SALESBOT_SYNC_EVERY_MIN`` minutes when HubSpot
is configured (coalesced, one at a time), and clocks take turns on a lease in the database."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from pydantic import SecretStr
from slack_sdk import WebClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.clock import build_scheduler
from bot.hubspot_jobs import LEASE_FOR, SYNC_JOB, SYNC_LEASE, hubspot_sync_tick
from crm.config import Settings
from crm.models import HubSpotLease, User
from hubspot_connector import lease
from tests.conftest import NOW
from tests.fakes.hubspot_api import TOKEN, FakeHubSpot
from tests.hubspot_connector.admin.conftest import people
from tests.hubspot_connector.conftest import FakeTime


def hubspot_settings(fake: FakeHubSpot, **extra: object) -> Settings:
    return Settings(
        hubspot_access_token=SecretStr(TOKEN),
        hubspot_api_url=fake.base_url,
        **extra,  # type: ignore[arg-type]
    )


def users(session: Session) -> list[str]:
    session.rollback()
    return sorted(session.scalars(select(User.email)))


def leases(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(HubSpotLease)) or 0


def test_the_job_is_scheduled_only_with_hubspot(engine: Engine, hubspot: FakeHubSpot) -> None:
    client = WebClient(token="xoxb-unused")
    scheduler = build_scheduler(engine, client, hubspot_settings(hubspot, salesbot_sync_every_min=3))
    job = scheduler.get_job(SYNC_JOB)
    assert job is not None
    assert job.trigger.interval == timedelta(minutes=3)
    assert (job.max_instances, job.coalesce) == (1, True)
    assert build_scheduler(engine, client, Settings()).get_job(SYNC_JOB) is None


def test_a_tick_syncs_and_frees_the_lease(
    engine: Engine, hubspot: FakeHubSpot, session: Session, fake_time: FakeTime
) -> None:
    people(hubspot.state)
    report = hubspot_sync_tick(engine, hubspot_settings(hubspot), "clock-a", fake_time.clock)
    assert report is not None
    assert users(session) == ["ana@acme.test", "bo@acme.test", "max@acme.test"]
    assert leases(session) == 0


def test_a_tick_skips_its_turn_while_another_clock_syncs(
    engine: Engine, hubspot: FakeHubSpot, session: Session, fake_time: FakeTime
) -> None:
    people(hubspot.state)
    assert lease.acquire(engine, SYNC_LEASE, "clock-b", NOW, LEASE_FOR)
    assert hubspot_sync_tick(engine, hubspot_settings(hubspot), "clock-a", fake_time.clock) is None
    assert hubspot.requests == [] and users(session) == []
    # clock-b died without releasing it: once the lease expires, clock-a takes over.
    fake_time.advance(seconds=LEASE_FOR.total_seconds() + 1)
    assert hubspot_sync_tick(engine, hubspot_settings(hubspot), "clock-a", fake_time.clock) is not None
    assert len(users(session)) == 3 and leases(session) == 0


def test_a_tick_that_cannot_sync_logs_one_line_and_frees_the_lease(
    engine: Engine, hubspot: FakeHubSpot, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        hubspot_client_id="client",
        hubspot_client_secret=SecretStr("secret"),
        hubspot_api_url=hubspot.base_url,
    )  # an OAuth app nobody installed yet
    with caplog.at_level(logging.WARNING, logger="bot.hubspot_jobs"):
        assert hubspot_sync_tick(engine, settings, "clock-a", lambda: NOW) is None
    [record] = caplog.records
    assert (
        "hubspot-sync at 2026-11-23T12:00:00+00:00 stopped: HubSpot is not connected" in record.getMessage()
    )
    assert record.exc_info is None and leases(session) == 0


def test_the_lease_goes_to_one_holder_at_a_time(engine: Engine) -> None:
    start = threading.Barrier(4)
    won: list[str] = []

    def claim(holder: str) -> None:
        start.wait()
        if lease.acquire(engine, SYNC_LEASE, holder, NOW, LEASE_FOR):
            won.append(holder)

    threads = [threading.Thread(target=claim, args=(f"clock-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(won) == 1
    holder = won[0]
    later = NOW + timedelta(minutes=5)
    assert lease.acquire(engine, SYNC_LEASE, holder, later, LEASE_FOR)  # its own: renewed
    assert lease.renew(engine, SYNC_LEASE, holder, later, LEASE_FOR)
    assert not lease.renew(engine, SYNC_LEASE, "clock-x", later, LEASE_FOR)
    assert not lease.acquire(
        engine, SYNC_LEASE, "clock-x", later + LEASE_FOR - timedelta(seconds=1), LEASE_FOR
    )
    lease.release(engine, SYNC_LEASE, "clock-x")  # not its lease: nothing happens
    assert not lease.acquire(engine, SYNC_LEASE, "clock-x", later, LEASE_FOR)
    lease.release(engine, SYNC_LEASE, holder)
    assert lease.acquire(engine, SYNC_LEASE, "clock-x", later, LEASE_FOR)
