"""Channel tests run through the real app (``tests.bot.app.conftest``'s harness), in a small org:

- team t1: Ana (u1, UANA) and Bo (u2, UBO), reps who see their team's deals and activities;
- team t2: Cy (u3, UCY), a rep of another team, who sees only his own;
- a Slack user with no CRM user (USTRANGER), and Salesbot's own bot user (UBOT);
- Ana's deal d1, whose name, next step and notes carry canary strings that must never reach a reader who
  may not see them; record links from the ``org.record_urls`` templates.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from crm.models import Team
from tests.bot.app.conftest import SlackRequests
from tests.bot.app.conftest import bolt as bolt
from tests.bot.app.conftest import clock as clock
from tests.bot.app.conftest import services as services
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_channels import Channel
from tests.rules.world import World, ago

CANARY = "CANARY-7731"
TEMPLATES = {
    "deal": "https://crm.example.com/deals/{id}",
    "contact": "https://crm.example.com/contacts/{id}",
    "company": "https://crm.example.com/companies/{id}",
}
DEAL_URL = "https://crm.example.com/deals/d1"
TEAM = ["UANA", "UBO", "UBOT"]


def arrange(world: World, slack: FakeSlack) -> World:
    world.session.add_all([Team(id="t1", name="East"), Team(id="t2", name="West")])
    world.user("u3", "cy@acme.test", team_id="t2", slack_user_id="UCY")
    for uid, slack_id in (("u1", "UANA"), ("u2", "UBO")):
        world.users[uid].slack_user_id = slack_id
        world.users[uid].team_id = "t1"
    for user in world.users.values():
        user.access_deals = user.access_activities = user.access_contacts = user.access_companies = "team"
    world.org.record_urls = dict(TEMPLATES)
    world.company("co1", owner="u1").name = f"Globex {CANARY}-company"
    world.contact("c1", owner="u1", company="co1")
    deal = world.deal("d1", owner="u1", contacts=["c1"], company="co1")
    deal.name = f"Globex robots {CANARY}-name"
    deal.next_steps = f"Send the questionnaire {CANARY}-step"
    world.note("n1", owner="u1", created=ago(days=2), deals=["d1"]).body = f"Buyer wants SSO {CANARY}-note"
    world.commit()
    slack.users.update({"cy@acme.test": "UCY", "stranger@partner.test": "USTRANGER"})
    slack.channels.update(
        {
            "CTEAM": Channel(members=list(TEAM)),
            "CMIXED": Channel(members=[*TEAM, "UCY"]),
            "CGUEST": Channel(members=[*TEAM, "USTRANGER"]),
            "CEXT": Channel(members=list(TEAM), external=True),
        }
    )
    return world


def link_shared(
    app: SlackRequests,
    urls: list[str],
    *,
    channel: str = "CTEAM",
    user: str = "UANA",
    event_id: str = "EvL1",
    **extra: Any,
) -> Any:
    event = {
        "type": "link_shared",
        "channel": channel,
        "user": user,
        "message_ts": "1700000000.000100",
        "links": [{"domain": url.split("/")[2], "url": url} for url in urls],
        "event_ts": "1700000000.000200",
        **extra,
    }
    return app.event(event, event_id=event_id)


def click_in(app: SlackRequests, channel: str, action_id: str, value: str, *, user: str = "UANA") -> Any:
    """A click on a button of an ephemeral message Salesbot showed ``user`` in ``channel``."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T0001"},
        "user": {"id": user},
        "trigger_id": "trigger-ch",
        "channel": {"id": channel},
        "container": {"type": "message", "message_ts": "1700000001.000001", "is_ephemeral": True},
        "response_url": app.slack.response_url("click"),
        "actions": [{"action_id": action_id, "block_id": "b1", "type": "button", "value": value}],
    }
    return app.interactive(payload)


def everything_sent(slack: FakeSlack) -> str:
    """Every request Salesbot made to Slack, as one string (to look for canaries in)."""
    return json.dumps([r.params for r in slack.requests], default=str)


@pytest.fixture
def org(world: World, slack: FakeSlack) -> World:
    return arrange(world, slack)
