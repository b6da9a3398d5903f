"""The real Slack app with HubSpot connected: the fake Slack, the fake HubSpot, a CRM whose records are
mapped to HubSpot records (as a sync leaves them), and the web process's write-back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.app import build_app
from bot.runtime import Services
from bot.writeback.runner import Writeback
from crm.config import Settings
from crm.db import session_scope
from crm.models import HubSpotPortal, HubSpotRecord, HubSpotUser, WritebackEntry
from hubspot_connector.api import HubSpotApi, RetryPolicy
from hubspot_connector.writeback.sender import Sender
from tests.bot.app.conftest import SECRET, SlackRequests, ana_world
from tests.conftest import NOW
from tests.fakes.handoff import round_trip
from tests.fakes.hubspot_api import TOKEN, FakeHubSpot
from tests.fakes.hubspot_state import iso
from tests.fakes.slack_api import FakeSlack
from tests.hubspot_connector.conftest import FakeTime
from tests.rules.world import World, ago

OWNER = "501"
PORTAL = "12345"


@dataclass
class Connected:
    bolt: SlackRequests
    services: Services
    slack: FakeSlack
    hubspot: FakeHubSpot
    time: FakeTime
    engine: Engine
    clock: list[datetime]
    ids: dict[str, int] = field(default_factory=dict)  # Salesbot id -> HubSpot id

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def patches(self, object_type: str, salesbot_id: str) -> list[Any]:
        path = f"/crm/v3/objects/{object_type}/{self.ids[salesbot_id]}"
        return [r for r in self.hubspot.requests if r.method == "PATCH" and r.path == path]

    def creates(self, object_type: str) -> list[Any]:
        path = f"/crm/v3/objects/{object_type}"
        return [r for r in self.hubspot.requests if r.method == "POST" and r.path == path]

    def properties(self, object_type: str, salesbot_id: str) -> dict[str, str | None]:
        return self.hubspot.state.objects[object_type][self.ids[salesbot_id]].properties

    def entries(self) -> list[WritebackEntry]:
        with session_scope(self.engine) as session:
            rows = list(session.scalars(select(WritebackEntry).order_by(WritebackEntry.id)))
            session.expunge_all()
            return rows

    def told(self) -> list[str]:
        """Lines sent to the rep (ephemeral or DM), oldest first."""
        calls = [c for c in self.slack.requests if c.method in ("chat.postEphemeral", "chat.postMessage")]
        return [str(c.params.get("text")) for c in calls]

    def seen(self) -> list[str]:
        """Everything shown to the rep (messages, digest redraws, Home), oldest first, as JSON text."""
        shows = ("chat.postEphemeral", "chat.postMessage", "chat.update", "views.publish", "views.update")
        return [json.dumps(c.params) for c in self.slack.requests if c.method in shows]

    def line(self, update: Any, ref: str) -> str:
        """The text of a digest line in a ``chat.update``."""
        [text] = [b["text"]["text"] for b in update.params["blocks"] if b.get("block_id") == f"l:{ref}"]
        return str(text)

    def later(self, **kwargs: float) -> None:
        self.clock[0] += timedelta(**kwargs)


def settings_for(slack: FakeSlack, hubspot: FakeHubSpot) -> Settings:
    return Settings(
        slack_bot_token=slack.token,
        slack_api_url=slack.url,
        slack_signing_secret=SECRET,
        hubspot_access_token=TOKEN,
        hubspot_api_url=hubspot.base_url,
        hubspot_client_secret="hs-secret",
    )


def connect(
    engine: Engine, slack: FakeSlack, hubspot: FakeHubSpot, time: FakeTime, clock: list[datetime]
) -> Connected:
    api = HubSpotApi(
        TOKEN,
        base_url=hubspot.base_url,
        clock=time.clock,
        sleep=time.sleep,
        retry=RetryPolicy(attempts=4, backoff_s=0.5, timeout_s=5.0),
    )

    def now() -> datetime:
        return clock[0]

    writeback = Writeback(engine, lambda: Sender(engine, api, clock=now), clock=now)
    services = round_trip(
        Services(engine=engine, settings=settings_for(slack, hubspot), clock=now, writeback=writeback)
    )
    return Connected(
        SlackRequests(build_app(services), services, slack), services, slack, hubspot, time, engine, clock
    )


def crm_world(world: World) -> World:
    """Ana's contact c1, deal d1 (stage s1, contact c1), lead l1 (stage ls1), overdue task t1 (on c1 and d1)
    and a meeting m1 without outcome; Bo's contact c2."""
    ana_world(world)
    world.contact("c1", owner="u1")
    world.contact("c2", owner="u2")
    world.deal("d1", owner="u1", contacts=["c1"]).name = "Globex renewal"
    world.lead("l1", "c1", owner="u1")
    world.task("t1", due=NOW - timedelta(days=2), contacts=["c1"], deals=["d1"], priority="high")
    world.meeting("m1", start=ago(hours=5), contacts=["c1"], title="Kickoff")
    world.commit()
    return world


def mirror(connected: Connected, session: Session) -> None:
    """The same records in HubSpot, and the map a sync leaves (records, ana's owner id, the portal)."""
    state = connected.hubspot.state
    ids = connected.ids
    ids["c1"] = state.add(
        "contacts", {"firstname": "c1", "email": "c1@globex.test", "hubspot_owner_id": OWNER}
    )
    ids["c2"] = state.add("contacts", {"firstname": "c2", "hubspot_owner_id": "502"})
    ids["d1"] = state.add(
        "deals",
        {"dealname": "Globex renewal", "pipeline": "p1", "dealstage": "s1", "hubspot_owner_id": OWNER},
    )
    ids["l1"] = state.add(
        "leads",
        {"hs_lead_name": "l1", "hs_pipeline": "lp1", "hs_pipeline_stage": "ls1", "hubspot_owner_id": OWNER},
    )
    ids["t1"] = state.add(
        "tasks",
        {
            "hs_task_subject": "Task",
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": "HIGH",
            "hs_timestamp": iso(NOW - timedelta(days=2)),
            "hubspot_owner_id": OWNER,
        },
    )
    ids["m1"] = state.add(
        "meetings",
        {"hs_meeting_title": "Kickoff", "hs_meeting_outcome": "SCHEDULED", "hubspot_owner_id": OWNER},
    )
    types = {
        "c1": "contacts",
        "c2": "contacts",
        "d1": "deals",
        "l1": "leads",
        "t1": "tasks",
        "m1": "meetings",
    }
    for salesbot_id, object_type in types.items():
        session.add(
            HubSpotRecord(
                object_type=object_type, hubspot_id=str(ids[salesbot_id]), salesbot_id=salesbot_id,
                modified_at=NOW - timedelta(hours=1),
            )
        )  # fmt: skip
    session.add(HubSpotUser(user_id="u1", owner_id=OWNER))
    session.add(HubSpotPortal(portal_id=PORTAL, time_zone="UTC"))
    session.commit()


def no_show_from_the_queue(hs: Connected, now: datetime) -> dict[str, Any]:
    """Rules run at ``now``, Ana's digest sent, "Start" clicked on its bundled line, and "No show" submitted
    for the queue's first meeting; returns the queue's view as it was before the submission."""
    from bot.blocks.queue import OUTCOME, QUEUE_VIEW
    from bot.digest import render
    from rules.engine import evaluate
    from tests.bot.app.conftest import send_digest

    with Session(hs.engine) as s:
        evaluate(s, now)
        s.commit()
    message = send_digest(hs.engine, hs.slack, hs.services)
    start = next(
        b["accessory"] for b in message.blocks if b.get("accessory", {}).get("action_id") == render.START
    )
    hs.bolt.click(message, render.START, start["value"], value=start["value"])
    view: dict[str, Any] = hs.slack.calls("views.update")[-1].params["view"]
    values = {OUTCOME[0]: {OUTCOME[1]: {"type": "static_select", "selected_option": {"value": "no_show"}}}}
    hs.bolt.view_submission(QUEUE_VIEW, values, metadata=view["private_metadata"])
    return view
