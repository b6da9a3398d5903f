"""``POST /hubspot/webhooks`` on the served app: v3 signatures, the 5-minute window, one effect per event,
and Salesbot's own writes echoed back changing nothing."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.app import build_app
from bot.runtime import Services
from bot.server import SlackWSGI
from crm.config import Settings
from crm.models import HubSpotPendingRead, HubSpotWebhookEvent, WritebackEntry
from hubspot_connector import webhooks
from tests.bot.app.conftest import SECRET, wsgi_server
from tests.bot.conftest import slack  # noqa: F401
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack

CLIENT_SECRET = "hs-client-secret"


class Served:
    def __init__(self, host: str, read: list[list[tuple[str, str]]]) -> None:
        self.host = host
        self.url = f"http://{host}{webhooks.PATH}"
        self.read = read

    def post(
        self, events: Any, *, secret: str = CLIENT_SECRET, at: datetime = NOW, signature: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        body = json.dumps(events).encode()
        timestamp = str(int(at.timestamp() * 1000))
        headers = {
            "Content-Type": "application/json",
            webhooks.TIMESTAMP_HEADER: timestamp,
            webhooks.SIGNATURE_HEADER: signature
            or webhooks.signature(secret, "POST", self.url, body, timestamp),
        }
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


@pytest.fixture
def served(engine: Engine, slack: FakeSlack) -> Iterator[Served]:  # noqa: F811
    settings = Settings(slack_bot_token=slack.token, slack_api_url=slack.url, slack_signing_secret=SECRET)
    services = Services(engine=engine, settings=settings, clock=lambda: NOW)
    read: list[list[tuple[str, str]]] = []
    receiver = webhooks.WebhookReceiver(engine, CLIENT_SECRET, clock=lambda: NOW, read_marked=read.append)
    wsgi = SlackWSGI(build_app(services), SECRET, apps={webhooks.PATH: webhooks.wsgi_app(receiver)})
    try:
        with wsgi_server(wsgi) as host:
            yield Served(host, read)
    finally:
        services.shutdown()


def event(
    event_id: int, kind: str = "deal.propertyChange", object_id: int = 1003, **extra: Any
) -> dict[str, Any]:
    return {
        "eventId": event_id, "subscriptionId": 7, "portalId": 12345,
        "occurredAt": int(NOW.timestamp() * 1000), "subscriptionType": kind, "objectId": object_id,
        "attemptNumber": 0, **extra,
    }  # fmt: skip


def marked(session: Session) -> set[tuple[str, str]]:
    session.rollback()
    rows = session.execute(select(HubSpotPendingRead.object_type, HubSpotPendingRead.hubspot_id))
    return {(str(t), str(i)) for t, i in rows}


def test_a_signed_delivery_marks_the_named_records_and_reads_them_at_once(
    served: Served, session: Session
) -> None:
    events = [
        event(1, propertyName="dealstage", propertyValue="s2"),
        event(2, "contact.deletion", 1001),
        event(3, "object.propertyChange", 1005, objectTypeId="0-27", propertyName="hs_task_status"),
        event(4, "ticket.creation", 9),  # a type Salesbot does not read
    ]
    status, body = served.post(events)
    assert status == 200 and body["marked"] == 3
    assert marked(session) == {("deals", "1003"), ("contacts", "1001"), ("tasks", "1005")}
    assert served.read == [[("deals", "1003"), ("contacts", "1001"), ("tasks", "1005")]]


def test_a_forged_signature_is_refused(served: Served, session: Session) -> None:
    status, _ = served.post([event(1)], secret="not-the-secret")
    assert status == 401
    status, _ = served.post([event(1)], signature="bm90IGEgc2lnbmF0dXJl")
    assert status == 401
    assert marked(session) == set() and served.read == []


def test_a_stale_delivery_is_refused(served: Served, session: Session) -> None:
    status, _ = served.post([event(1)], at=NOW - timedelta(minutes=6))
    assert status == 401
    status, _ = served.post([event(1)], at=NOW - timedelta(minutes=4))
    assert status == 200
    assert marked(session) == {("deals", "1003")}


def test_a_replayed_or_duplicated_event_has_one_effect(served: Served, session: Session) -> None:
    status, body = served.post([event(1), event(1)])
    assert (status, body["marked"], body["duplicates"]) == (200, 1, 1)
    session.execute(HubSpotPendingRead.__table__.delete())  # the sync read it meanwhile
    session.commit()
    status, body = served.post([event(1)])  # HubSpot retries the delivery
    assert (status, body["marked"], body["duplicates"]) == (200, 0, 1)
    assert marked(session) == set()
    assert session.scalars(select(HubSpotWebhookEvent.event_id)).all() == [1]


def test_events_out_of_order_each_name_the_record_once(served: Served, session: Session) -> None:
    late = event(2, propertyName="dealstage", propertyValue="s5")
    early = {
        **event(1, propertyName="dealstage", propertyValue="s2"),
        "occurredAt": late["occurredAt"] - 60_000,
    }
    deletion = event(3, "deal.deletion")
    status, body = served.post([late, deletion, early])
    assert status == 200 and body["marked"] == 1
    assert marked(session) == {("deals", "1003")}  # read as it is now, whatever the order


def test_salesbots_own_write_echoed_back_changes_nothing(served: Served, session: Session) -> None:
    session.add(
        WritebackEntry(
            ref="r1", kind="set_deal_stage", operation="update", object_type="deals", record_id="d1",
            change={"stage": ["s1", "s2"]}, state="sent", attempts=1, next_attempt_at=NOW, hubspot_id="1003",
            written={"dealstage": "s2"}, created_at=NOW, sent_at=NOW - timedelta(seconds=2),
        )
    )  # fmt: skip
    session.add(
        WritebackEntry(
            ref="r2", kind="log_activity", operation="create", object_type="notes", record_id="sb-n1",
            change={}, state="sent", attempts=1, next_attempt_at=NOW, hubspot_id="2001",
            written={"hs_note_body": "x"}, created_at=NOW, sent_at=NOW,
        )
    )  # fmt: skip
    session.commit()
    echo = event(1, propertyName="dealstage", propertyValue="s2")
    created = event(2, "object.creation", 2001, objectTypeId="0-46")
    status, body = served.post([echo, created])
    assert (status, body["marked"], body["echoes"]) == (200, 0, 2)
    assert served.read == []
    # A later change by someone in HubSpot is not an echo.
    status, body = served.post([event(3, propertyName="dealstage", propertyValue="s6")])
    assert body["marked"] == 1 and marked(session) == {("deals", "1003")}


def test_a_body_that_is_not_events_is_refused(served: Served) -> None:
    status, _ = served.post({"not": "events"})
    assert status == 400
