"""HubSpotApi against the fake HubSpot, through the official client: rate limits obeyed by policy, failures
retried or mapped to the connector's errors, and one rate budget shared through the database."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from crm.models import HubSpotRequest
from hubspot_connector.api import HubSpotApi, RetryPolicy
from hubspot_connector.budget import RateBudget
from hubspot_connector.errors import (
    HubSpotAnswerLost,
    HubSpotConfigError,
    HubSpotConflict,
    HubSpotDailyLimit,
    HubSpotRequestError,
    HubSpotUnavailable,
)
from tests.fakes.hubspot_api import FakeHubSpot
from tests.hubspot_connector.conftest import FakeTime, make_api

PROPS = ["firstname", "email"]


def seed_contacts(fake: FakeHubSpot, n: int) -> list[int]:
    return [fake.state.add("contacts", {"firstname": f"C{i}", "email": f"c{i}@x.test"}) for i in range(n)]


def test_a_page_of_objects_has_string_values_and_a_next_token(
    hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    seed_contacts(hubspot, 3)
    api = make_api(hubspot, fake_time)
    first = api.list_page("contacts", properties=PROPS, limit=2)
    assert [r["properties"]["firstname"] for r in first.results] == ["C0", "C1"]
    assert first.after is not None
    second = api.list_page("contacts", properties=PROPS, after=first.after)
    assert [r["properties"]["firstname"] for r in second.results] == ["C2"] and second.after is None
    request = hubspot.requests[0]
    assert request.path == "/crm/v3/objects/contacts" and request.query["limit"] == ["2"]


def test_a_429_of_the_ten_second_policy_is_waited_out_then_retried(
    hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    seed_contacts(hubspot, 1)
    hubspot.rate_limit(times=2, retry_after=3)
    api = make_api(hubspot, fake_time)
    page = api.list_page("contacts", properties=PROPS)
    assert len(page.results) == 1
    assert fake_time.slept == [3.0, 3.0]
    assert [r.status for r in hubspot.requests] == [429, 429, 200]


def test_a_429_of_the_daily_policy_stops_with_a_clear_error(
    hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    hubspot.rate_limit(times=5, policy="DAILY", retry_after=None)
    api = make_api(hubspot, fake_time)
    with pytest.raises(HubSpotDailyLimit, match="daily request limit") as caught:
        api.owners()
    assert caught.value.exit_code == 4
    assert hubspot.count() == 1  # not hammered


def test_5xx_are_retried_with_back_off_then_succeed(hubspot: FakeHubSpot, fake_time: FakeTime) -> None:
    hubspot.fail(502, times=2)
    api = make_api(hubspot, fake_time)
    assert api.roles() == []
    assert fake_time.slept == [0.5, 1.0]


def test_5xx_that_keep_coming_mean_hubspot_is_unavailable(hubspot: FakeHubSpot, fake_time: FakeTime) -> None:
    hubspot.fail(500, times=10)
    api = make_api(hubspot, fake_time)
    with pytest.raises(HubSpotUnavailable, match="keeps failing") as caught:
        api.teams()
    assert caught.value.exit_code == 4
    assert hubspot.count() == 4


def test_a_rejected_token_is_a_configuration_error(hubspot: FakeHubSpot, fake_time: FakeTime) -> None:
    api = make_api(hubspot, fake_time, token="wrong")
    with pytest.raises(HubSpotConfigError, match="rejected the token") as caught:
        api.account_details()
    assert caught.value.exit_code == 2
    assert hubspot.count() == 1


def test_an_unreachable_hubspot_is_unavailable(fake_time: FakeTime) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    api = HubSpotApi(
        "t", base_url=f"http://127.0.0.1:{port}", sleep=fake_time.sleep, retry=RetryPolicy(attempts=3)
    )
    with pytest.raises(HubSpotUnavailable, match="cannot reach HubSpot"):
        api.owners()
    assert len(fake_time.slept) == 2


def test_a_hanging_answer_times_out_and_is_retried(hubspot: FakeHubSpot, fake_time: FakeTime) -> None:
    hubspot.hang(seconds=5, times=1)
    api = make_api(hubspot, fake_time, timeout_s=0.3)
    assert api.pipelines("deals") == []
    assert hubspot.count("/crm/v3/pipelines/deals") == 2


def test_a_create_whose_answer_is_lost_is_not_sent_twice(hubspot: FakeHubSpot, fake_time: FakeTime) -> None:
    hubspot.lose_answer(times=1)
    api = make_api(hubspot, fake_time)
    with pytest.raises(HubSpotAnswerLost):
        api.create("notes", {"hs_note_body": "Called", "hs_timestamp": "2026-11-23T10:00:00Z"})
    assert hubspot.count("/crm/v3/objects/notes", "POST") == 1
    assert len(hubspot.state.objects["notes"]) == 1  # HubSpot stored it: the caller must look before retrying


def test_a_refused_request_carries_hubspots_message_and_category(
    hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    api = make_api(hubspot, fake_time)
    with pytest.raises(HubSpotRequestError) as caught:
        api.update("contacts", "999", {"firstname": "X"})
    assert caught.value.status == 404 and caught.value.category == "OBJECT_NOT_FOUND"
    (cid,) = seed_contacts(hubspot, 1)
    with pytest.raises(HubSpotRequestError, match="does not exist"):
        api.update("contacts", str(cid), {"no_such_property": "X"})


def test_a_unique_property_refuses_a_duplicate(hubspot: FakeHubSpot, fake_time: FakeTime) -> None:
    api = make_api(hubspot, fake_time)
    assert api.get_property("tasks", "salesbot_ref") is None
    definition = {
        "name": "salesbot_ref", "label": "Salesbot reference", "type": "string", "fieldType": "text",
        "groupName": "taskinformation", "hasUniqueValue": True,
    }  # fmt: skip
    api.create_property("tasks", definition)
    with pytest.raises(HubSpotConflict):
        api.create_property("tasks", definition)
    assert api.get_property("tasks", "salesbot_ref") is not None
    api.create("tasks", {"hs_task_subject": "A", "salesbot_ref": "r1"})
    with pytest.raises(HubSpotConflict):
        api.create("tasks", {"hs_task_subject": "B", "salesbot_ref": "r1"})
    found = api.search("tasks", filters=[{"propertyName": "salesbot_ref", "operator": "EQ", "value": "r1"}])
    assert [r["properties"].get("hs_task_subject") for r in found.results] == [
        None
    ]  # asked for no properties
    assert found.total == 1


def test_associations_without_any_come_back_as_errors_and_are_absent(
    hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    a, b = seed_contacts(hubspot, 2)
    company = hubspot.state.add("companies", {"name": "Globex"})
    hubspot.state.associate("contacts", a, "companies", company, 279, 1)
    api = make_api(hubspot, fake_time)
    found = api.associations("contacts", "companies", [str(a), str(b)])
    assert found.to == {str(a): [(str(company), [279, 1])]}
    assert hubspot.requests[-1].status == 207


def test_search_pages_by_id_past_the_ten_thousand_cap(hubspot: FakeHubSpot, fake_time: FakeTime) -> None:
    for i in range(10_250):
        hubspot.state.add("contacts", {"firstname": "x"}, id=i + 1)
    api = make_api(hubspot, fake_time)
    ids = [int(r["id"]) for page in api.search_by_id("contacts", properties=["firstname"]) for r in page]
    assert ids == list(range(1, 10_251))
    assert all(r.status == 200 for r in hubspot.requests)
    assert max(int((r.body or {}).get("after") or 0) for r in hubspot.requests) + 200 <= 10_000


def test_two_api_objects_sharing_the_database_stay_within_the_budget_together(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    first = make_api(hubspot, fake_time, engine, per_10s=5)
    second = make_api(hubspot, fake_time, engine, per_10s=5)
    sent = []
    for i in range(12):
        (first if i % 2 else second).roles()
        sent.append(fake_time.now)
    for i, at in enumerate(sent):
        assert sum(1 for other in sent[i:] if other - at < timedelta(seconds=10)) <= 5
    assert sent[-1] - sent[0] >= timedelta(seconds=20)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(HubSpotRequest)).scalar_one() == 12
    usage = first.budget.usage(fake_time.now) if first.budget else None
    assert usage is not None and usage.today == 12 and usage.last_10s <= 5


def test_searches_stay_within_their_own_budget_per_second(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    api = make_api(hubspot, fake_time, engine, per_10s=100, search_per_s=2)
    start = fake_time.now
    for _ in range(6):
        api.search("contacts")
    assert fake_time.now - start >= timedelta(seconds=2)
    assert not [r for r in hubspot.requests if r.status == 429]


def test_the_daily_cap_from_the_headers_is_respected(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    hubspot.daily(250_000, 1)
    api = make_api(hubspot, fake_time, engine)
    api.roles()  # the answer says: nothing left today
    with pytest.raises(HubSpotDailyLimit):
        api.roles()
    assert hubspot.count() == 1
    fake_time.advance(days=1)  # a new UTC day
    api.roles()
    assert hubspot.count() == 2


def test_a_request_counts_in_the_budget_from_its_answer(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    """HubSpot counts a request when it arrives, between its sending and its answer: logged at the answer, a
    slot never leaves our window before it leaves HubSpot's."""
    api = make_api(hubspot, fake_time, engine, per_10s=2)
    budget = api.budget
    assert budget is not None
    sent = fake_time.now
    slot = budget.acquire()
    fake_time.advance(seconds=3)  # a slow answer
    budget.note_answer({}, slot)
    budget.acquire()  # the answer's time is written with the next slot
    with engine.connect() as connection:
        times = sorted(connection.execute(select(HubSpotRequest.at)).scalars())
    assert times == [sent + timedelta(seconds=3), sent + timedelta(seconds=3)]
    fake_time.advance(seconds=8)  # 11 s after the first was sent, 8 after its answer: both still count
    api.roles()
    assert fake_time.now >= sent + timedelta(seconds=13)


def ten_per_10s(engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime) -> RateBudget:
    budget = make_api(hubspot, fake_time, engine, per_10s=10).budget
    assert budget is not None
    return budget


def test_slots_reserved_ahead_are_used_without_the_database_and_expire(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    budget = ten_per_10s(engine, hubspot, fake_time)
    start = fake_time.now
    assert budget.reserve(6) == 6
    # One slot of the window is kept for other processes: 3 more now, none later within the 2 s of use.
    assert budget.reserve(5) == 3
    with engine.connect() as connection:
        logged = list(connection.execute(select(HubSpotRequest.id, HubSpotRequest.at)))
    # Logged at the end of the time they may be used in: no request of theirs reaches HubSpot later.
    assert [at for _, at in logged] == [start + timedelta(seconds=2)] * 9
    assert [budget.acquire() for _ in range(3)] == [i for i, _ in logged[:3]]
    assert budget.waited_s == 0
    fake_time.advance(seconds=2)  # the other reserved ones expired unused
    fresh = budget.acquire()  # the tenth slot of the window, from the database
    assert fresh not in {i for i, _ in logged}
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(HubSpotRequest)).scalar_one() == 10
    usage = budget.usage(fake_time.now)
    assert usage.today == 10  # every slot taken counts for the day, used or not


def test_slots_reserved_ahead_wait_for_the_window_to_have_room(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    budget = ten_per_10s(engine, hubspot, fake_time)
    first = [budget.acquire() for _ in range(9)]  # 9 of the window's 10 used by 0 s, one kept
    budget.note_answer({}, first[0])
    fake_time.advance(seconds=9)
    started = fake_time.now
    # At 9 s the window is full (for reservations) until 10.05 s, when the first leaves it: 2 slots from
    # then (room for one more each time one of those sent at 0 s leaves), within the 2 s ahead.
    assert budget.reserve(2) == 2
    assert [budget.acquire() for _ in range(2)]
    assert fake_time.now == started + timedelta(seconds=1.05)
    assert budget.waited_s == pytest.approx(1.05)


def test_a_budget_connects_to_the_database_only_once_it_needs_it(engine: Engine, fake_time: FakeTime) -> None:
    """A reading process's budget (``reading.ProcessReader``) runs on slots reserved for it by the syncing
    process: it connects, and imports SQLAlchemy, only when they run out."""
    made: list[Engine] = []

    def connect() -> Engine:
        made.append(engine)
        return engine

    budget = RateBudget(connect, 10, 4, clock=fake_time.clock, sleep=fake_time.sleep)
    syncing = RateBudget(engine, 10, 4, clock=fake_time.clock, sleep=fake_time.sleep)
    reserved, handed = syncing.take_ahead(2), syncing.take_ahead(1)
    budget.add_stock(reserved)
    later = [handed]
    budget.refill = lambda: later.pop() if later else []  # handed over since, taken once those run out
    assert [budget.acquire() for _ in range(3)] == [slot for slot, _, _ in reserved + handed]
    budget.note_answer({"X-HubSpot-RateLimit-Daily": "1000"}, reserved[0][0])
    assert made == []  # no database: what it learnt is handed over (``hand_over``), not written
    own = budget.acquire()  # none reserved left, none handed over: taken in the database, like any process's
    assert made == [engine] and own not in {slot for slot, _, _ in reserved + handed}
    budget.acquire()
    assert made == [engine]  # connected once
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(HubSpotRequest)).scalar_one() == 5
