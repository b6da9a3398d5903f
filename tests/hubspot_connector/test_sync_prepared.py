"""Activities made into rows where they are read (``prepare``), their ids, owners and associations filled in
by the writing side (``Sync._store_prepared``): the very store, report and id map that mapping them on the
writing side makes, with every case the writing side fills in met: a record created in Salesbot (another id
than the default, with and without its row stored), an owner not known yet, associations to records not
synced, a malformed record, a value of the wrong type, emails' recipients."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, insert, select

from crm.importer.writer import Values, _execute_many
from crm.models import Activity, HubSpotRecord
from hubspot_connector import prepare
from hubspot_connector.reading import ThreadReader, properties
from hubspot_connector.sync import Sync, sync
from tests.conftest import NOW
from tests.fakes.hubspot_api import FakeHubSpot
from tests.hubspot_connector.conftest import FakeTime, make_api
from tests.hubspot_connector.test_sync import _empty, _snapshot, demo_path


@pytest.fixture
def tricky(hubspot: FakeHubSpot, fake_time: FakeTime) -> dict[str, int]:
    """The demo's HubSpot, with the cases the writing side fills in for rows made elsewhere."""
    from tests.fakes.hubspot_seed import state_from_dataset

    state = state_from_dataset(demo_path(), NOW)
    state.clock = fake_time.clock
    hubspot.state = state
    emails = sorted(state.objects["emails"])
    tasks = sorted(state.objects["tasks"])
    calls = sorted(state.objects["calls"])
    hubspot.corrupt("emails", emails[3], "shape")  # malformed: no properties object
    hubspot.corrupt("tasks", tasks[5], "value")  # its modification time is not a time
    orphan = state.add(
        "emails",
        {
            "hs_email_direction": "EMAIL",
            "hs_timestamp": "2026-11-20T10:00:00Z",
            "hs_email_from_email": "someone@example.com",
            "hs_email_to_email": "a@example.com; b@example.com",
            "hubspot_owner_id": "999",  # an owner HubSpot does not list
        },
    )
    ghost = state.add("contacts", {"firstname": "Gone"}, archived=True)
    state.associate("calls", calls[0], "contacts", ghost, 194)  # a link to a record not synced
    return {"renamed_email": emails[0], "renamed_task": tasks[0], "orphan": orphan}


def _store_ids_created_in_salesbot(engine: Engine, ids: dict[str, int]) -> None:
    """An email and a task created in Salesbot and written back: the map names their own ids; the task's
    row is in the store already (its chunk is then upserted), the email's is not."""
    with engine.begin() as connection:
        connection.execute(
            insert(HubSpotRecord),
            [
                {
                    "object_type": "emails",
                    "hubspot_id": str(ids["renamed_email"]),
                    "salesbot_id": "email-own",
                },
                {"object_type": "tasks", "hubspot_id": str(ids["renamed_task"]), "salesbot_id": "task-own"},
            ],
        )
        connection.execute(insert(Activity).values(id="task-own", type="task", title="made in Slack"))


def _full_sync(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, ids: dict[str, int]
) -> dict[str, Any]:
    _empty(engine)
    _store_ids_created_in_salesbot(engine, ids)
    api = make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    report = sync(engine, api, fake_time.now, chunk=40, score_property="hs_deal_score")
    with engine.connect() as connection:
        records = sorted(tuple(r) for r in connection.execute(select(HubSpotRecord.__table__)))
    return {
        "store": _snapshot(engine),
        "records": records,
        "skipped": sorted(report.skipped),
        "types": {t: vars(r) for t, r in report.types.items()},
        "unknown_owners": report.unknown_owners,
    }


def test_rows_made_where_read_store_what_mapping_on_the_writing_side_stores(
    engine: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, tricky: dict[str, int], monkeypatch: Any
) -> None:
    with monkeypatch.context() as patch:  # every chunk as listed, mapped on the writing side
        patch.setattr(
            Sync, "_reader", lambda self, plan: ThreadReader(self.api, plan, self.chunk, self.score_property)
        )
        reference = _full_sync(engine, hubspot, fake_time, tricky)

    prepared: list[str] = []
    original = Sync._store_prepared

    def counted(self: Sync, chunk: prepare.Prepared, *args: Any) -> None:
        prepared.append(chunk.object_type)
        original(self, chunk, *args)

    monkeypatch.setattr(Sync, "_store_prepared", counted)
    assert _full_sync(engine, hubspot, fake_time, tricky) == reference
    assert set(prepared) == set(prepare.PREPARED_TYPES)  # every activity chunk came as rows

    # The cases are there, so the comparison compared them.
    activities = {row[0] for row in reference["store"]["activities"]}
    assert {"email-own", "task-own", f"hs-email-{tricky['orphan']}"} <= activities
    assert f"hs-email-{tricky['renamed_email']}" not in activities
    assert "email-own" in {row[0] for row in reference["store"]["email_recipients"]}
    assert ("emails", "email-own") in {(t, s) for t, _, s, _ in reference["records"]}
    assert reference["unknown_owners"] == {"999"}
    emails, tasks = sorted(hubspot.state.objects["emails"]), sorted(hubspot.state.objects["tasks"])
    skipped = {(t, i) for t, i, _ in reference["skipped"]}
    assert {("emails", str(emails[3])), ("tasks", str(tasks[5]))} <= skipped
    assert reference["types"]["calls"]["links_dropped"] >= 1
    assert reference["types"]["tasks"]["updated"] == 1  # the task whose row was stored


def test_rows_as_driver_values_need_plain_columns_all_given(engine: Engine) -> None:
    table = Activity.__table__
    with engine.begin() as connection, pytest.raises(ValueError, match="plain columns, all of them"):
        _execute_many(connection, insert(table), table, Values(["id"], [["a-1"]]))  # a default to fill in


def test_rows_cross_to_the_writing_side_unchanged(hubspot: FakeHubSpot, fake_time: FakeTime) -> None:
    """What the reading process sends (``orjson``) is what it made, on SQLite (times as the driver's text)."""
    from tests.fakes.hubspot_seed import state_from_dataset

    hubspot.state = state_from_dataset(demo_path(), NOW)
    hubspot.corrupt("emails", min(hubspot.state.objects["emails"]), "value")
    props, _ = properties("emails", None)
    emails = make_api(hubspot, fake_time).list_page("emails", properties=props).results
    emails.append({"properties": {}})  # no id
    made = prepare.prepare("emails", emails, "sqlite")
    assert made.rows and made.recipients and made.malformed == ["None"] and made.skipped
    assert prepare.Prepared.from_json(orjson.dumps(made)) == made
