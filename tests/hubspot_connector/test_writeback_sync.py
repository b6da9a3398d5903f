"""Write-back and webhooks with the sync: a synced portal, a rep's change written to HubSpot and not read
back as a change, and a change made in HubSpot read at once when its webhook arrives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.blocks.home import modals as m
from crm.models import Deal, WritebackEntry
from hubspot_connector import webhooks
from hubspot_connector.sync import sync
from tests.bot.conftest import slack  # noqa: F401
from tests.conftest import NOW
from tests.fakes.hubspot_api import FakeHubSpot
from tests.fakes.slack_api import FakeSlack
from tests.hubspot_connector.conftest import FakeTime, make_api
from tests.hubspot_connector.connected import Connected, connect
from tests.hubspot_connector.portal import Portal, small_portal

SECRET = "hs-client-secret"


@pytest.fixture
def synced(
    engine: Engine,
    slack: FakeSlack,  # noqa: F811
    hubspot: FakeHubSpot,
    fake_time: FakeTime,
    app_clock: list[datetime],
) -> Iterator[tuple[Connected, Portal]]:
    portal = small_portal(hubspot.state)
    sync(engine, make_api(hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000), fake_time.now)
    connected = connect(engine, slack, hubspot, fake_time, app_clock)
    yield connected, portal
    connected.services.shutdown()


def test_a_reps_stage_change_reaches_hubspot_and_the_next_sync_reads_nothing_back(
    synced: tuple[Connected, Portal], engine: Engine, fake_time: FakeTime, session: Session
) -> None:
    hs, portal = synced
    deal_id = f"hs-deal-{portal.deal}"
    stage = {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "won"}}}}
    hs.bolt.view_submission(m.DEAL_STAGE_VIEW, stage, metadata=m.metadata(f"deal:{deal_id}", ""))

    patches = [r for r in hs.hubspot.requests if r.method == "PATCH"]
    assert [(r.path, r.body) for r in patches] == [
        (f"/crm/v3/objects/deals/{portal.deal}", {"properties": {"dealstage": "won"}})
    ]
    assert [e.state for e in hs.entries()] == ["sent"]

    fake_time.advance(minutes=2)
    report = sync(
        engine, make_api(hs.hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000), fake_time.now
    )
    assert report.types["deals"].updated == 0  # Salesbot's own write is not a change to read back
    session.rollback()
    assert session.get(Deal, deal_id).stage_id == "won"


def test_a_change_made_in_hubspot_is_read_at_once_when_its_webhook_arrives(
    synced: tuple[Connected, Portal], engine: Engine, fake_time: FakeTime, session: Session
) -> None:
    hs, portal = synced
    api = make_api(hs.hubspot, fake_time, engine, per_10s=10_000, search_per_s=1_000)
    fake_time.advance(minutes=1)
    hs.hubspot.state.change("deals", portal.deal, {"closedate": "2027-01-20T00:00:00.000Z"})
    receiver = webhooks.WebhookReceiver(
        engine,
        SECRET,
        clock=lambda: NOW,
        read_marked=lambda _m: webhooks.read_pending(engine, api, fake_time.now),
    )
    body = json.dumps(
        [{"eventId": 77, "subscriptionType": "deal.propertyChange", "objectId": portal.deal,
          "propertyName": "closedate", "propertyValue": "1800403200000", "occurredAt": 0}]
    ).encode()  # fmt: skip
    timestamp = str(int(NOW.timestamp() * 1000))
    url = "https://salesbot.example/hubspot/webhooks"
    headers = {
        webhooks.TIMESTAMP_HEADER: timestamp,
        webhooks.SIGNATURE_HEADER: webhooks.signature(SECRET, "POST", url, body, timestamp),
    }
    hs.hubspot.reset_requests()

    answer = receiver.handle("POST", url, body, headers)

    assert answer.status == 200 and answer.marked == [("deals", str(portal.deal))]
    first_read = next(r for r in hs.hubspot.requests if r.method == "POST")
    assert first_read.path == "/crm/v3/objects/deals/batch/read"
    session.rollback()
    assert session.get(Deal, f"hs-deal-{portal.deal}").close_date == date(2027, 1, 20)
    assert session.query(WritebackEntry).count() == 0  # reading HubSpot's change queues nothing: no loop
