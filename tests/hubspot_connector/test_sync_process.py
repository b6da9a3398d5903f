"""The sync with its listing read by a process of its own (``reading.ProcessReader``): the same store as a
thread's reading, its requests counted and inside the shared budget, its errors raised as the same
exceptions, and a sync stopped while it reads resumed without loss or duplicates. The process's budget runs
on the real clock, so these tests give the budget room enough never to wait."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine, func, select

from crm.db import session_scope
from crm.models import Contact, HubSpotRequest
from hubspot_connector.api import HubSpotApi, RetryPolicy
from hubspot_connector.budget import RateBudget
from hubspot_connector.errors import HubSpotConfigError, HubSpotUnavailable
from hubspot_connector.reading import read_chunks, reader_settings
from hubspot_connector.sync import sync
from tests.conftest import NOW
from tests.fakes.hubspot_api import TOKEN, FakeHubSpot
from tests.hubspot_connector.conftest import FakeTime, make_api
from tests.hubspot_connector.test_sync import _empty, _snapshot, demo_path


def real_clock_api(hubspot: FakeHubSpot, engine: Engine) -> HubSpotApi:
    budget = RateBudget(engine, 10_000, 1_000)
    return HubSpotApi(TOKEN, base_url=hubspot.base_url, budget=budget, retry=RetryPolicy(attempts=2))


@pytest.fixture
def demo(hubspot: FakeHubSpot, fake_time: FakeTime) -> None:
    from tests.fakes.hubspot_seed import state_from_dataset

    state = state_from_dataset(demo_path(), NOW)
    state.clock = fake_time.clock
    hubspot.state = state


def test_a_process_reading_stores_what_a_thread_reading_stores(
    engine: Engine, db_url: str, hubspot: FakeHubSpot, fake_time: FakeTime, demo: None
) -> None:
    api = real_clock_api(hubspot, engine)
    assert reader_settings(api, db_url) is not None  # this API can be moved to a process
    by_thread = sync(engine, api, fake_time.now, chunk=40)
    reference = _snapshot(engine)
    _empty(engine)
    sent = len(hubspot.requests)
    by_process = sync(engine, real_clock_api(hubspot, engine), fake_time.now, chunk=40, processes=True)
    assert _snapshot(engine) == reference
    assert by_process.requests == len(hubspot.requests) - sent == by_thread.requests
    assert {t: r.created for t, r in by_process.types.items()} == {
        t: r.created for t, r in by_thread.types.items()
    }
    with session_scope(engine) as s:  # every request of both processes took a slot of the shared budget
        assert s.scalar(select(func.count()).select_from(HubSpotRequest)) >= by_process.requests


def test_a_wrong_token_while_a_process_reads_raises_the_same_error(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, demo: None
) -> None:
    hubspot.fail(401, times=1_000, path="/crm/v3/objects/contacts")  # only the listing process asks it
    with pytest.raises(HubSpotConfigError, match="HubSpot rejected the token"):
        sync(engine, real_clock_api(hubspot, engine), fake_time.now, chunk=40, processes=True)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_a_sync_stopped_while_a_process_reads_resumes_without_loss_or_duplicates(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, demo: None, seed: int
) -> None:
    sync(engine, real_clock_api(hubspot, engine), fake_time.now, chunk=40, processes=True)
    reference = _snapshot(engine)
    total = len(hubspot.requests)
    _empty(engine)
    hubspot.fail(401, times=1_000, after=random.Random(seed).randrange(10, total - 5))
    with pytest.raises(HubSpotConfigError):
        sync(engine, real_clock_api(hubspot, engine), fake_time.now, chunk=40, processes=True)
    hubspot.clear_faults()
    fake_time.advance(seconds=30)
    sync(engine, real_clock_api(hubspot, engine), fake_time.now, chunk=40, processes=True)
    assert _snapshot(engine) == reference


def test_reading_associations_beside_the_listing_gives_the_same_chunks_and_raises_its_errors(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, demo: None
) -> None:
    """``read_chunks(overlap=True)`` (the reading process's way) reads a chunk's association batches on
    threads while the next chunk is listed: the same chunks, in the same order, for the same requests; an
    association batch that keeps failing stops the reading with the error a sequential read raises."""
    plan = [(t, None) for t in ("companies", "contacts", "deals", "calls")]
    sequential = list(read_chunks(make_api(hubspot, fake_time), plan, 40, None))
    requests = len(hubspot.requests)
    overlapped = list(read_chunks(make_api(hubspot, fake_time), plan, 40, None, overlap=True))
    assert overlapped == sequential
    assert len(hubspot.requests) - requests == requests
    assert len(sequential) > len(plan)  # several chunks per type: the overlap was exercised

    hubspot.fail(500, times=1_000, path="/crm/v4/associations/calls/")
    with pytest.raises(HubSpotUnavailable):
        list(read_chunks(make_api(hubspot, fake_time), plan, 40, None, overlap=True))
