"""A first sync on PostgreSQL loads the tables it fills from empty without their foreign keys, as an import
does (each row's check at its page's commit was most of the page's time on the server), and adds them back,
checked once, after the listing: as the migrations define them, also after a sync that failed or was killed.
Dropping them locks the tables they reference against every other connection, so the sync never waits for
one holding such a table in an open transaction: it loads with the keys instead. Rows another process left
referencing nothing while the keys were away are made to meet them as the deletion would have."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import DropConstraint

import hubspot_connector.sync as sync_module
from crm.db import session_scope
from crm.importer.writer import WRITERS, foreign_keys, present_foreign_keys, restore_foreign_keys
from crm.models import Activity, ActivityContact, Contact
from hubspot_connector.errors import HubSpotUnavailable
from tests.fakes.hubspot_api import FakeHubSpot
from tests.hubspot_connector.conftest import FakeTime, make_api
from tests.hubspot_connector.portal import Portal, small_portal
from tests.hubspot_connector.test_sync import run

KEYS = (
    "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
    "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE k.contype = 'f' AND n.nspname = current_schema()"
)


@pytest.fixture
def pg(engine: Engine) -> Iterator[Engine]:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's foreign keys are part of their tables: a sync keeps them")
    yield engine
    with engine.begin() as connection:  # whatever a test did, the next one starts with every key
        restore_foreign_keys(connection, list(WRITERS))


@pytest.fixture
def portal(hubspot: FakeHubSpot) -> Portal:
    return small_portal(hubspot.state)


def _keys(engine: Engine) -> set[tuple[str, str, str]]:
    with engine.connect() as connection:
        return {(t, n, d) for t, n, d in connection.execute(text(KEYS))}


def _activity_keys(engine: Engine) -> set[str]:
    """The names of the foreign keys of the activities' tables (an activity's and its child rows')."""
    names = {str(fk.name) for fk in foreign_keys("activities")}
    return {name for _, name, _ in _keys(engine) if name in names}


def test_a_first_sync_loads_without_foreign_keys_and_adds_them_back_as_migrated(
    pg: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    expected = _keys(pg)
    activity_keys = _activity_keys(pg)
    assert len(activity_keys) == 11
    during: dict[str, set[str]] = {}

    def progress(object_type: str, n: int, total: int | None) -> None:
        during[object_type] = _activity_keys(pg)

    api = make_api(hubspot, fake_time, pg, per_10s=10_000, search_per_s=1_000)
    report = run(pg, api, fake_time, progress=progress)
    assert report.types["emails"].created == 1
    assert during["calls"] == set()  # listing activities: their keys away
    assert _keys(pg) == expected  # back, with their definitions (cascades, deferrable) as migrated
    # A later run (incremental: nothing dropped) keeps them.
    fake_time.advance(minutes=10)
    during.clear()
    run(pg, api, fake_time, progress=progress)
    assert _keys(pg) == expected
    stray = text("INSERT INTO activity_contacts (activity_id, contact_id, position) VALUES (:a, 'gone', 9)")
    # and they are enforced again
    with pg.connect() as connection, pytest.raises(IntegrityError, match="fk_activity_contacts_contact_id"):
        connection.execute(stray, {"a": f"hs-email-{portal.email}"})


def test_keys_a_failed_or_killed_sync_dropped_are_back(
    pg: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    expected = _keys(pg)
    hubspot.fail(503, times=1_000, path="/crm/v3/objects/calls")
    api = make_api(hubspot, fake_time, pg, per_10s=10_000, search_per_s=1_000)
    with pytest.raises(HubSpotUnavailable):
        run(pg, api, fake_time)
    assert _keys(pg) == expected  # a sync that stops adds them back on its way out
    hubspot.clear_faults()
    with pg.begin() as connection:  # what a sync killed while listing activities leaves
        for fk in present_foreign_keys(connection, "activities"):
            connection.execute(DropConstraint(fk))
    assert not _activity_keys(pg)
    fake_time.advance(minutes=1)
    run(pg, api, fake_time)
    assert _keys(pg) == expected
    with session_scope(pg) as s:
        assert s.scalars(select(Activity).where(Activity.type == "call")).first() is not None


def test_a_sync_does_not_wait_for_a_connection_holding_a_table_it_would_lock(
    pg: Engine,
    hubspot: FakeHubSpot,
    fake_time: FakeTime,
    portal: Portal,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The app's connection sits in a transaction that read ``users``: dropping any key referencing users
    would wait for it (and every query after it would queue behind the wait). The sync loads those tables
    with their keys and indexes instead, and the other transaction goes on unharmed."""
    monkeypatch.setattr(sync_module, "LOCK_WAIT_MS", 20)
    expected = _keys(pg)
    during: dict[str, set[str]] = {}

    def progress(object_type: str, n: int, total: int | None) -> None:
        during[object_type] = _activity_keys(pg)

    api = make_api(hubspot, fake_time, pg, per_10s=10_000, search_per_s=1_000)
    with pg.connect() as app:
        app.execute(text("SELECT count(*) FROM users"))  # its transaction stays open, holding the table
        with caplog.at_level(logging.WARNING, logger="hubspot_connector.sync"):
            report = run(pg, api, fake_time, progress=progress)
        assert app.execute(text("SELECT count(*) FROM users")).scalar_one() == 3
        app.commit()
    assert report.types["emails"].created == 1 and report.types["contacts"].created == 1
    assert during["calls"] == _activity_keys(pg) and len(during["calls"]) == 11  # never dropped
    assert _keys(pg) == expected
    assert "activities loaded with its indexes and foreign keys" in caplog.text
    with session_scope(pg) as s:
        email = s.get(Activity, f"hs-email-{portal.email}")
        assert email is not None and email.owner_id is not None


def test_rows_orphaned_while_the_keys_were_away_meet_them_as_the_deletion_would_have(
    pg: Engine, hubspot: FakeHubSpot, fake_time: FakeTime, portal: Portal
) -> None:
    """Another process deleted records while the keys were away, so no cascade ran and no refusal came: an
    association to a deleted contact goes (its column cannot be empty), an activity's deleted owner is
    emptied (it can be), recipients of a deleted email go (the key cascades). Rows that meet their keys
    stay untouched."""
    run(pg, make_api(hubspot, fake_time, pg, per_10s=10_000, search_per_s=1_000), fake_time)
    expected = _keys(pg)
    contact = f"hs-contact-{portal.contact}"
    with pg.begin() as connection:
        for fk in present_foreign_keys(connection, "activities"):
            connection.execute(DropConstraint(fk))
    with pg.begin() as connection:
        for activity_id, owner in (("a1", "hs-owner-501"), ("a2", "gone-user")):
            connection.execute(
                text(
                    "INSERT INTO activities (id, type, owner_id, private) VALUES (:id, 'note', :owner, false)"
                ),
                {"id": activity_id, "owner": owner},
            )
        connection.execute(
            text(
                "INSERT INTO activity_contacts (activity_id, contact_id, position) "
                "VALUES ('a1', :c, 0), ('a1', 'gone-contact', 1)"
            ),
            {"c": contact},
        )
        connection.execute(
            text(
                "INSERT INTO email_recipients (activity_id, kind, position, address, address_lower) "
                "VALUES ('gone-email', 'to', 0, 'X@y.test', 'x@y.test')"
            )
        )
    with pg.begin() as connection:
        changed = restore_foreign_keys(connection, ["activities"])
    assert changed == {"activities": 1, "activity_contacts": 1, "email_recipients": 1}
    assert _keys(pg) == expected
    with session_scope(pg) as s:
        owners = {a.id: a.owner_id for a in s.scalars(select(Activity).where(Activity.id.in_(["a1", "a2"])))}
        assert owners == {"a1": "hs-owner-501", "a2": None}
        links = s.execute(
            select(ActivityContact.contact_id).where(ActivityContact.activity_id == "a1")
        ).scalars()
        assert list(links) == [contact]
        assert s.get(Contact, contact) is not None
        recipients = text("SELECT count(*) FROM email_recipients WHERE activity_id = 'gone-email'")
        assert s.execute(recipients).scalar_one() == 0
        assert s.get(Activity, f"hs-email-{portal.email}") is not None  # the synced rows stay
