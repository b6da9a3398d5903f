"""``salesbot hubspot status``: read from the database only (it answers while HubSpot is down): the portal,
each object type's last sync and cursor, records synced, the write-back queue, requests used."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crm.config import get_settings
from crm.models import HubSpotCursor, HubSpotOAuthToken, HubSpotPortal, HubSpotRecord
from hubspot_connector.budget import RateBudget
from hubspot_connector.status import status
from tests.conftest import NOW
from tests.fakes.hubspot_api import FakeHubSpot
from tests.hubspot_connector.admin.conftest import people, run

AT = NOW.isoformat()


def seed(session: Session, engine: Engine) -> None:
    session.add(HubSpotPortal(portal_id="12345", time_zone="Europe/Warsaw", checked_at=NOW))
    session.add(
        HubSpotCursor(
            object_type="contacts",
            records=2,
            last_sync_at=NOW - timedelta(minutes=2),
            last_full_at=NOW - timedelta(days=1),
            modified_through=NOW - timedelta(minutes=2),
        )
    )
    session.add(
        HubSpotCursor(
            object_type="deals", records=1, last_sync_at=NOW - timedelta(minutes=2), full_after="200"
        )
    )
    for i in (1, 2):
        session.add(HubSpotRecord(object_type="contacts", hubspot_id=str(i), salesbot_id=f"hs-contact-{i}"))
    session.add(HubSpotRecord(object_type="deals", hubspot_id="1", salesbot_id="hs-deal-1"))
    session.commit()
    moments = iter([NOW - timedelta(hours=3), NOW - timedelta(seconds=30), NOW - timedelta(seconds=4),
                    NOW - timedelta(seconds=1)])  # fmt: skip
    budget = RateBudget(engine, 100, 4, clock=lambda: next(moments))
    for _ in range(4):
        budget.acquire()


def test_status_text(hubspot_env: FakeHubSpot, db_url: str, session: Session, engine: Engine) -> None:
    seed(session, engine)
    code, out, err = run(db_url, "hubspot", "status", "--now", AT)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "HubSpot: portal 12345 (Europe/Warsaw), connected with a private app token"
    assert lines[1].split() == [
        "object",
        "records",
        "last",
        "sync",
        "cursor",
        "(modified",
        "through)",
        "note",
    ]
    by_type = {line.split()[0]: line for line in lines[2:11]}
    assert list(by_type) == ["companies", "contacts", "leads", "deals", "tasks", "calls", "meetings", "notes",
                             "emails"]  # fmt: skip
    assert by_type["contacts"].split() == [
        "contacts",
        "2",
        "2026-11-23",
        "11:58:00Z",
        "2026-11-23",
        "11:58:00Z",
    ]
    assert by_type["deals"].split()[:4] == ["deals", "1", "2026-11-23", "11:58:00Z"]
    assert by_type["deals"].split()[4:] == ["never", "resumes:", "full", "sync,", "after", "200"]
    assert by_type["companies"].split() == ["companies", "0", "never", "never", "no", "full", "sync", "yet"]
    assert lines[11:] == [
        "records synced: 3",
        "write-back queue: 0 pending, 0 failed",
        "requests: 2 in the last 10 s (budget 100), 4 today",
    ]
    assert hubspot_env.requests == []  # status never calls HubSpot


def test_status_json(hubspot_env: FakeHubSpot, db_url: str, session: Session, engine: Engine) -> None:
    seed(session, engine)
    code, out, err = run(db_url, "hubspot", "status", "--json", "--now", AT)
    assert code == 0, err
    data = json.loads(out)
    assert data["connection"] == "private app" and data["portal_id"] == "12345"
    assert data["records"] == 3
    assert data["write_back"] == {"pending": 0, "failed": 0}
    assert (data["requests_last_10s"], data["requests_today"]) == (2, 4)
    contacts = next(t for t in data["types"] if t["object_type"] == "contacts")
    assert contacts == {
        "object_type": "contacts",
        "records": 2,
        "last_sync_at": "2026-11-23T11:58:00+00:00",
        "last_full_at": "2026-11-22T12:00:00+00:00",
        "modified_through": "2026-11-23T11:58:00+00:00",
        "resuming": None,
    }


def test_status_with_oauth_shows_the_installed_portal_and_the_token(
    no_hubspot_env: pytest.MonkeyPatch, db_url: str, session: Session, engine: Engine
) -> None:
    no_hubspot_env.setenv("HUBSPOT_CLIENT_ID", "client")
    no_hubspot_env.setenv("HUBSPOT_CLIENT_SECRET", "secret")
    get_settings.cache_clear()
    expires = NOW + timedelta(minutes=20)
    session.add(HubSpotOAuthToken(portal_id="777", access_token="a", refresh_token="r", scopes=[],
                                  hub_domain="acme.hubspot.test", expires_at=expires))  # fmt: skip
    session.commit()
    code, out, err = run(db_url, "hubspot", "status", "--now", AT)
    assert code == 0, err
    assert out.splitlines()[0] == (
        "HubSpot: portal 777, connected with OAuth, access token valid until 2026-11-23 12:20:00Z"
    )
    report = status(engine, get_settings(), NOW)
    assert (report.connection, report.hub_domain, report.records) == ("oauth", "acme.hubspot.test", 0)


def test_status_before_any_sync(hubspot_env: FakeHubSpot, db_url: str) -> None:
    code, out, err = run(db_url, "hubspot", "status")
    assert code == 0, err
    assert out.splitlines()[0] == (
        "HubSpot: portal not known yet (run `salesbot hubspot sync`), connected with a private app token"
    )


def test_status_without_hubspot_exits_2(no_hubspot_env: object, db_url: str) -> None:
    code, out, err = run(db_url, "hubspot", "status", "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: HubSpot is not connected") and err.count("\n") == 1
    code, _, err = run(db_url, "hubspot", "status", "--now", "yesterday")
    assert code == 2 and err.startswith("error: --now:")


def test_status_of_an_oauth_app_not_installed_yet_exits_2(
    no_hubspot_env: pytest.MonkeyPatch, db_url: str
) -> None:
    no_hubspot_env.setenv("HUBSPOT_CLIENT_ID", "client")
    no_hubspot_env.setenv("HUBSPOT_CLIENT_SECRET", "secret")
    get_settings.cache_clear()
    code, out, err = run(db_url, "hubspot", "status")
    assert (code, out) == (2, "")
    assert err == "error: HubSpot is not connected: install the app in a portal at /hubspot/install\n"


def test_status_after_a_sync(hubspot_env: FakeHubSpot, db_url: str) -> None:
    people(hubspot_env.state)
    for i in range(3):
        hubspot_env.state.add("companies", {"name": f"Co {i}", "domain": f"co{i}.test"})
    code, _, err = run(db_url, "hubspot", "sync")
    assert code == 0, err
    code, out, err = run(db_url, "hubspot", "status", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["portal_id"], data["time_zone"], data["records"]) == ("12345", "Europe/Warsaw", 3)
    companies = next(t for t in data["types"] if t["object_type"] == "companies")
    assert companies["records"] == 3 and companies["last_full_at"] is not None
    assert data["requests_today"] >= len(hubspot_env.requests)


def test_status_counts_the_write_back_queue(
    hubspot_env: FakeHubSpot, db_url: str, session: Session, engine: Engine
) -> None:
    from crm.models import WritebackEntry

    seed(session, engine)
    for n, state in enumerate(["pending", "pending", "failed", "sent", "conflict"]):
        session.add(
            WritebackEntry(
                ref=f"ref-{n}",
                kind="complete_task",
                operation="update",
                object_type="tasks",
                record_id=f"t{n}",
                change={},
                state=state,
                attempts=1,
                next_attempt_at=NOW,
                created_at=NOW,
            )
        )
    session.commit()
    code, out, err = run(db_url, "hubspot", "status", "--json", "--now", AT)
    assert code == 0, err
    assert json.loads(out)["write_back"] == {"pending": 2, "failed": 1}
    code, out, err = run(db_url, "hubspot", "status", "--now", AT)
    assert "write-back queue: 2 pending, 1 failed" in out
