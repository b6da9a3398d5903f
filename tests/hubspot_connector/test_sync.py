"""The sync against the fake HubSpot, through the real client: what lands in the store, what is asked of
HubSpot, and every fault of the issue's list."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from crm.db import session_scope
from crm.models import (
    Activity,
    ActivityContact,
    ActivityDeal,
    Company,
    Contact,
    Deal,
    DealCloseDate,
    DealContact,
    DealScore,
    HubSpotCursor,
    HubSpotRole,
    Lead,
    Stage,
    User,
)
from hubspot_connector.api import HubSpotApi
from hubspot_connector.errors import HubSpotUnavailable
from hubspot_connector.roles import apply_role_mappings
from hubspot_connector.sync import SyncReport, sync
from tests.conftest import NOW
from tests.fakes.hubspot_api import FakeHubSpot
from tests.hubspot_connector.conftest import FakeTime, make_api
from tests.hubspot_connector.portal import Portal, small_portal

SCORE = "hs_deal_score"


def run(engine: Engine, api: HubSpotApi, time: FakeTime, **kwargs: object) -> SyncReport:
    return sync(engine, api, time.now, score_property=SCORE, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def portal(hubspot: FakeHubSpot) -> Portal:
    return small_portal(hubspot.state)


def test_a_first_sync_maps_every_type_into_the_store(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    report = run(engine, make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000), fake_time)
    assert report.full is False and report.skipped == []
    assert {t: r.created for t, r in report.types.items()} == {
        "users": 3, "companies": 1, "contacts": 1, "leads": 1, "deals": 1,
        "tasks": 1, "calls": 1, "meetings": 1, "notes": 1, "emails": 1,
    }  # fmt: skip
    with session_scope(engine) as s:
        users = {u.email: u for u in s.scalars(select(User))}
        assert set(users) == {"ana@acme.test", "max@acme.test", "boss@acme.test"}  # not the queue
        ana, mx, boss = users["ana@acme.test"], users["max@acme.test"], users["boss@acme.test"]
        assert ana.id == "hs-owner-501" and ana.team_id == "hs-team-10" and ana.timezone == "Europe/Warsaw"
        assert (ana.role, ana.access_deals, ana.access_contacts) == ("rep", "owned", "owned")  # unmapped
        assert boss.role == "super_admin" and mx.role == "rep"
        company = s.get(Company, f"hs-company-{portal.company}")
        assert company is not None and company.target_account and company.owner_id == ana.id
        contact = s.get(Contact, f"hs-contact-{portal.contact}")
        assert (
            contact is not None
            and contact.company_id == company.id
            and contact.email_lower == "hank@globex.test"
        )
        deal = s.get(Deal, f"hs-deal-{portal.deal}")
        assert deal is not None
        assert (deal.pipeline_id, deal.stage_id, deal.amount) == (
            "hs-pipeline-deals-default",
            "appt",
            Decimal("120000.50"),
        )
        assert deal.close_date == date(2026, 12, 15) and deal.company_id == company.id
        assert deal.next_steps == "Send security questionnaire" and deal.next_steps_updated_at is not None
        assert [c.contact_id for c in s.scalars(select(DealContact))] == [contact.id]
        assert [h.close_date for h in s.scalars(select(DealCloseDate).order_by(DealCloseDate.position))] == [
            date(2026, 11, 30), date(2026, 12, 15)
        ]  # fmt: skip
        assert [float(h.score) for h in s.scalars(select(DealScore).order_by(DealScore.position))] == [
            60.0,
            71.0,
        ]
        stages = s.scalars(select(Stage).where(Stage.pipeline_id == deal.pipeline_id))
        assert {st.id: st.state for st in stages} == {
            "appt": "open", "won": "won", "lost": "lost"
        }  # fmt: skip
        lead = s.get(Lead, f"hs-lead-{portal.lead}")
        assert lead is not None and lead.contact_id == contact.id
        activities = {a.type: a for a in s.scalars(select(Activity))}
        assert set(activities) == {"task", "call", "meeting", "note", "email"}
        assert activities["task"].id == f"hs-task-{portal.task}" and activities["task"].priority == "high"
        assert activities["call"].duration_s == 600 and activities["call"].status == "completed"
        assert activities["email"].direction == "incoming" and activities["meeting"].owner_id == mx.id
        links = {(link.activity_id, link.deal_id) for link in s.scalars(select(ActivityDeal))}
        assert len(links) == 5 and len(list(s.scalars(select(ActivityContact)))) == 5


def test_a_first_sync_asks_for_no_archived_records(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    hubspot.state.add("companies", {"name": "Archived Co"}, archived=True)
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    report = run(engine, api, fake_time)
    # Nothing was in the store before the run: nothing to delete, no archived list read.
    lists = [r for r in hubspot.requests if r.method == "GET" and r.path.startswith("/crm/v3/objects/")]
    assert lists and not any(r.query.get("archived", [""])[0].lower() == "true" for r in lists)
    assert sum(r.deleted for r in report.types.values()) == 0
    # The next run reads them for every type it now holds.
    hubspot.reset_requests()
    fake_time.advance(minutes=10)
    run(engine, api, fake_time)
    archived = {r.path for r in hubspot.requests if r.query.get("archived", [""])[0].lower() == "true"}
    assert "/crm/v3/objects/companies" in archived and "/crm/v3/objects/deals" in archived


def test_a_later_sync_reads_only_what_changed(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    run(engine, api, fake_time)
    fake_time.advance(minutes=10)
    hubspot.state.change("deals", portal.deal, {"dealstage": "won"})
    hubspot.reset_requests()
    fake_time.advance(minutes=2)
    report = run(engine, api, fake_time)
    assert report.types["deals"].updated == 1
    assert sum(r.updated + r.created for r in report.types.values()) == 1
    # No full re-read: objects are searched, lists only ask for archived records.
    lists = [r for r in hubspot.requests if r.method == "GET" and r.path.startswith("/crm/v3/objects/")]
    assert lists and all(r.query.get("archived", [""])[0].lower() == "true" for r in lists)
    assert hubspot.count("/search") == 9
    with session_scope(engine) as s:
        deal = s.get(Deal, f"hs-deal-{portal.deal}")
        assert deal is not None and deal.stage_id == "won" and deal.closed_at is not None


def test_a_full_sync_is_asked_for_with_full(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    run(engine, api, fake_time)
    hubspot.reset_requests()
    report = run(engine, api, fake_time, full=True)
    assert report.full and hubspot.count("/search") == 0
    assert sum(r.updated for r in report.types.values()) == 12  # 3 users and 9 records


def test_archived_records_are_deleted_with_what_points_at_them(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    run(engine, api, fake_time)
    fake_time.advance(minutes=5)
    hubspot.state.archive("contacts", portal.contact)
    hubspot.state.archive("calls", portal.call)
    report = run(engine, api, fake_time)
    assert report.types["contacts"].deleted == 1 and report.types["calls"].deleted == 1
    with session_scope(engine) as s:
        assert s.get(Contact, f"hs-contact-{portal.contact}") is None
        assert s.get(Lead, f"hs-lead-{portal.lead}") is None  # a lead cannot be without its contact
        assert list(s.scalars(select(DealContact))) == []
        assert s.get(Activity, f"hs-call-{portal.call}") is None
        assert s.get(Activity, f"hs-note-{portal.note}") is not None
        counts = {c.object_type: c.records for c in s.scalars(select(HubSpotCursor))}
        assert (counts["contacts"], counts["calls"], counts["notes"]) == (0, 0, 1)


def test_role_mappings_apply_at_once_and_at_the_next_sync(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    run(engine, api, fake_time)
    with session_scope(engine) as s:
        roles = {r.name: r for r in s.scalars(select(HubSpotRole))}
        assert set(roles) == {"Sales Rep", "Sales Manager", "Sales Director"}
        roles["Sales Manager"].role = "manager"
        roles["Sales Manager"].access_deals = "all"
        s.flush()
        assert apply_role_mappings(s.connection()) == 1
    with session_scope(engine) as s:
        mx = s.get(User, "hs-owner-502")
        assert mx is not None and (mx.role, mx.access_deals, mx.access_contacts) == ("manager", "all", "team")
    run(engine, api, fake_time, full=True)
    with session_scope(engine) as s:
        mx = s.get(User, "hs-owner-502")
        assert mx is not None and mx.role == "manager"


def test_a_users_salesbot_settings_survive_a_sync(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    run(engine, api, fake_time)
    with session_scope(engine) as s:
        ana = s.get(User, "hs-owner-501")
        assert ana is not None
        ana.timezone, ana.digest_time, ana.slack_user_id = "America/New_York", "07:30", "U123"
    run(engine, api, fake_time, full=True)
    with session_scope(engine) as s:
        ana = s.get(User, "hs-owner-501")
        assert ana is not None and (ana.timezone, ana.digest_time, ana.slack_user_id) == (
            "America/New_York", "07:30", "U123"
        )  # fmt: skip


# --- faults ------------------------------------------------------------------------------------------------


def test_429_storms_are_waited_out(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    hubspot.rate_limit(times=25, retry_after=2)
    report = run(engine, make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000), fake_time)
    assert report.types["emails"].created == 1
    assert fake_time.slept.count(2.0) == 25


def test_500s_are_retried(engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal) -> None:
    hubspot.fail(500, times=3, path="/crm/v4/associations/")
    hubspot.fail(503, times=2, path="/crm/v3/objects/deals")
    report = run(engine, make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000), fake_time)
    assert report.skipped == [] and report.types["deals"].created == 1


def test_a_malformed_record_and_a_wrong_value_are_reported_and_skipped(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    hubspot.state.add("contacts", {"firstname": "Bad", "email": "not-an-email"})
    broken = hubspot.state.add("contacts", {"firstname": "Broken"})
    hubspot.corrupt("contacts", broken, "shape")
    amount = hubspot.state.add(
        "deals", {"dealname": "X", "pipeline": "default", "dealstage": "appt", "amount": "lots"}
    )
    report = run(engine, make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000), fake_time)
    reasons = {(t, i): r for t, i, r in report.skipped}
    assert reasons[("contacts", str(broken))] == "malformed record: properties is not an object"
    assert "not-an-email" in next(r for (t, _), r in reasons.items() if t == "contacts" and "email" in r)
    assert reasons[("deals", str(amount))] == "amount: 'lots' is not a number"
    assert report.types["contacts"].created == 1 and report.types["deals"].created == 1


def test_a_deal_in_a_stage_of_another_pipeline_is_skipped_and_links_to_it_dropped(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    bad = hubspot.state.add("deals", {"dealname": "Wrong", "pipeline": "enterprise", "dealstage": "won"})
    note = hubspot.state.add("notes", {"hs_note_body": "about it", "hs_timestamp": "2026-11-20T10:00:00Z"})
    hubspot.state.associate("notes", note, "deals", bad, 214)
    report = run(engine, make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000), fake_time)
    assert (
        "deals",
        str(bad),
        'the deal is in stage "won", which is not a stage of pipeline "enterprise"',
    ) in report.skipped
    assert report.types["notes"].links_dropped == 1
    with session_scope(engine) as s:
        assert s.get(Activity, f"hs-note-{note}") is not None
        assert s.get(Deal, f"hs-deal-{bad}") is None


def test_an_owner_that_no_longer_exists_leaves_the_record_without_owner(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    run(engine, api, fake_time)
    fake_time.advance(minutes=5)
    gone = hubspot.state.add("contacts", {"firstname": "Orphan", "hubspot_owner_id": "999"})
    task = hubspot.state.add("tasks", {"hs_task_subject": "Orphan task", "hubspot_owner_id": "999"})
    hubspot.reset_requests()
    report = run(engine, api, fake_time)
    assert report.unknown_owners == {"999"}
    assert hubspot.count("/crm/v3/owners") == 2  # read again once (active and archived), in case it was new
    with session_scope(engine) as s:
        contact, activity = s.get(Contact, f"hs-contact-{gone}"), s.get(Activity, f"hs-task-{task}")
        assert contact is not None and contact.owner_id is None
        assert activity is not None and activity.owner_id is None


def test_an_association_to_a_record_not_synced_is_dropped(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    ghost = hubspot.state.add("companies", {"name": "Archived Co"}, archived=True)
    hubspot.state.associate("contacts", portal.contact, "companies", ghost, 279)
    report = run(engine, make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000), fake_time)
    assert report.types["contacts"].links_dropped == 1
    with session_scope(engine) as s:
        contact = s.get(Contact, f"hs-contact-{portal.contact}")
        assert contact is not None and contact.company_id == f"hs-company-{portal.company}"


def test_12000_contacts_are_searched_past_the_cap(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime
) -> None:
    small_portal(hubspot.state)
    for i in range(12_000):
        hubspot.state.add(
            "contacts", {"firstname": f"C{i}", "hubspot_owner_id": "501"}, created_at=fake_time.now
        )
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    first = run(engine, api, fake_time)
    assert first.types["contacts"].created == 12_001
    fake_time.advance(minutes=10)
    for oid in list(hubspot.state.objects["contacts"]):
        hubspot.state.change("contacts", oid, {"lastname": "Changed"})
    hubspot.reset_requests()
    fake_time.advance(minutes=1)
    report = run(engine, api, fake_time)
    assert report.types["contacts"].updated == 12_001
    searches = [r for r in hubspot.requests if r.path == "/crm/v3/objects/contacts/search"]
    assert all(r.status in (200, 207) for r in hubspot.requests)
    assert len(searches) == 61 and max(int(r.body.get("after") or 0) for r in searches) < 10_000
    with session_scope(engine) as s:
        assert s.scalar(select(Contact.last_name).where(Contact.first_name == "C11999")) == "Changed"


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    from crm.models import Base

    out = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name.startswith(("hubspot_", "rule_", "slack_", "actions")):
                continue
            rows = connection.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_sync_killed_at_a_random_point_resumes_without_loss_or_duplicates(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, seed: int
) -> None:
    import random

    from tests.fakes.hubspot_seed import state_from_dataset

    state = state_from_dataset(demo_path(), NOW)
    state.clock = fake_time.clock
    hubspot.state = state
    # The reference: the same HubSpot synced in one go into the same database, then emptied again.
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    sync(engine, api, fake_time.now, chunk=40)
    reference = _snapshot(engine)
    total = len(hubspot.requests)
    _empty(engine)
    rng = random.Random(seed)
    hubspot.fail(503, times=1_000, after=rng.randrange(5, total - 5))
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    with pytest.raises(HubSpotUnavailable):
        sync(engine, api, fake_time.now, chunk=40)
    hubspot.clear_faults()
    fake_time.advance(seconds=30)
    sync(engine, api, fake_time.now, chunk=40)
    assert _snapshot(engine) == reference
    with session_scope(engine) as s:
        cursors = list(s.scalars(select(HubSpotCursor)))
        assert all(
            c.full_after is None and c.modified_through is not None
            for c in cursors
            if c.object_type != "owners"
        )


def _empty(engine: Engine) -> None:
    from crm.models import Base

    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())


_demo: list[str] = []


def demo_path() -> str:
    """The default demo profile (4 reps) as a dataset file, made once per test process."""
    if not _demo:
        import tempfile

        from crm.demo.generator import write_dataset

        path = tempfile.mkdtemp(prefix="hs-demo-") + "/demo.json"
        write_dataset(path, NOW, reps=4)
        _demo.append(path)
    return _demo[0]


def test_a_sync_killed_during_an_incremental_run_loses_nothing(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    run(engine, api, fake_time)
    fake_time.advance(minutes=10)
    for i in range(30):
        hubspot.state.add("notes", {"hs_note_body": f"n{i}", "hs_timestamp": "2026-11-20T10:00:00Z"})
    hubspot.fail(500, times=100, path="/crm/v4/associations/notes", after=1)
    with pytest.raises(HubSpotUnavailable):
        sync(engine, api, fake_time.now, chunk=10)
    hubspot.clear_faults()
    fake_time.advance(minutes=1)
    hubspot.state.change("notes", portal.note, {"hs_note_body": "edited while stopped"})
    sync(engine, api, fake_time.now, chunk=10)
    with session_scope(engine) as s:
        assert len(list(s.scalars(select(Activity).where(Activity.type == "note")))) == 31
        note = s.get(Activity, f"hs-note-{portal.note}")
        assert note is not None and note.body == "edited while stopped"
    assert timedelta(0) == timedelta(0)


def _indexes(engine: Engine) -> set[str]:
    from sqlalchemy import inspect

    inspector = inspect(engine)
    return {i["name"] or "" for t in inspector.get_table_names() for i in inspector.get_indexes(t)}


def test_indexes_a_first_sync_drops_are_back_when_it_stops_and_after_it_is_killed(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    """A full listing into empty tables loads them without their secondary indexes (built once at the end):
    a sync that fails builds them on its way out, and one killed (no way out) has them built by the next."""
    from crm.importer.writer import secondary_indexes

    expected = _indexes(engine)
    assert {i.name for i in secondary_indexes("activities")} <= expected
    hubspot.fail(503, times=1_000, path="/crm/v3/objects/calls")
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    with pytest.raises(HubSpotUnavailable):
        run(engine, api, fake_time)
    assert _indexes(engine) == expected
    hubspot.clear_faults()
    with engine.begin() as connection:  # what a sync killed while listing activities leaves
        for index in secondary_indexes("activities"):
            index.drop(connection)
    fake_time.advance(minutes=1)
    run(engine, api, fake_time)
    assert _indexes(engine) == expected
    with session_scope(engine) as s:
        assert s.scalars(select(Activity).where(Activity.type == "call")).first() is not None
