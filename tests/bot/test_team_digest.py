"""The team digest: a manager's opt-in morning DM after their own, with the team's numbers, the reps with the
most overdue tasks, slipped and idle deals and top CRM risks, each read through the manager's permissions,
delivered exactly once like the morning digest."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.digest.delivery import send_due
from bot.digest.team import load_team_digest, render_team_text, section_text, team_payload
from bot.home import home_tab
from bot.home.state import HomeState
from bot.slack import limits
from crm.changes.preferences import digest_settings, set_digest_settings
from crm.models import DealCloseDate, DigestDelivery, HubSpotPortal, HubSpotRecord, User
from tests.bot.home.team_world import team_world
from tests.bot.test_digest_cli import run
from tests.conftest import NOW
from tests.fakes.block_kit import block_kit_errors
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World


def manager(session: Session, user_id: str = "m1") -> User:
    user = session.get(User, user_id)
    assert user is not None
    return user


def test_team_digest_content_for_a_team_manager(world: World, session: Session) -> None:
    team_world(world)
    # Bo's deal: its close date was pushed back this week (from 2026-11-20 to 2026-12-20).
    deal = world.deals["deal-u2"]
    deal.close_date = date(2026, 12, 20)
    deal.close_date_history = [
        DealCloseDate(position=0, at=datetime(2026, 11, 1, tzinfo=UTC), close_date=date(2026, 11, 20)),
        DealCloseDate(position=1, at=datetime(2026, 11, 23, 9, tzinfo=UTC), close_date=date(2026, 12, 20)),
    ]
    world.commit()
    digest = load_team_digest(session, manager(session), NOW, channel="UM1")
    assert [r.name for r in digest.reps] == ["Ana", "Bo"]
    assert digest.total("overdue") == 2 and digest.total("meetings_today") == 2
    text = render_team_text(digest)
    assert text.splitlines()[0] == "Max's team · Mon 2026-11-23"
    assert "Deal of u1 · Ana: close date 2026-11-01 passed" in text
    assert "Deal of u2 · Bo: pushed back from 2026-11-20 to 2026-12-20" in text
    assert "Deals with no next activity (2)" in text and "Top CRM risks" in text
    assert "u3" not in text and "Cy" not in text  # another team: never
    payload = team_payload(digest)
    limits.check_message(payload)
    assert payload["channel"] == "UM1"


def test_an_owned_access_manager_gets_nothing_they_may_not_view(world: World, session: Session) -> None:
    team_world(world, access="owned")
    digest = load_team_digest(session, manager(session), NOW)
    assert [r.name for r in digest.reps] == ["Ana", "Bo"]
    assert digest.total("overdue") == 0 and digest.slipped == [] and digest.idle == [] and digest.risks == []
    assert digest.is_empty


def test_a_rep_has_no_team(world: World, session: Session) -> None:
    team_world(world)
    assert load_team_digest(session, manager(session, "u1"), NOW).reps == []


def only_max_digests(world: World) -> None:
    """The team world with digests off for all but Max (m1), who gets his own and the team's at 11:00."""
    team_world(world)
    for user in world.users.values():
        user.digest_enabled = False
    m1 = world.users["m1"]
    m1.digest_enabled, m1.digest_time, m1.digest_team, m1.digest_send_when_empty = True, "11:00", True, True


def test_the_team_digest_follows_the_managers_own_exactly_once(
    world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    only_max_digests(world)
    ana = world.users["u1"]
    ana.digest_enabled, ana.digest_time, ana.digest_team = True, "11:00", True  # a rep: no team digest
    world.commit()

    report = send_due(engine, client, NOW)
    assert report.sent == 3
    to_max = [m for m in slack.messages if m.user == "UM1"]
    assert len(to_max) == 2
    own, team = to_max
    assert own.text.startswith("Max's day") and team.text.startswith("Max's team")
    assert team.metadata is not None and team.metadata["event_payload"]["kind"] == "team"
    session.rollback()
    kinds = {(d.user_id, d.kind, d.state) for d in session.scalars(select(DigestDelivery))}
    assert kinds == {("m1", "own", "sent"), ("m1", "team", "sent"), ("u1", "own", "sent")}

    again = send_due(engine, client, NOW.replace(minute=5))
    assert again.sent == 0 and len(slack.messages) == 3


def test_managers_opt_in_from_settings_and_reps_cannot(world: World, session: Session) -> None:
    team_world(world)
    for user_id, expected in (("m1", True), ("u1", False)):
        user = manager(session, user_id)
        current = digest_settings(session, user)
        assert current.manager is expected
        text = json.dumps(home_tab.build(session, user, HomeState(tab="settings"), NOW)["blocks"])
        assert ("Team digest after mine" in text) is expected
        set_digest_settings(session, user, replace(current, team=True), NOW)
        assert user.digest_team is expected


def test_cli_previews_a_managers_team_digest(world: World, db_url: str) -> None:
    team_world(world)
    code, out, _ = run(db_url, "digest", "--user", "max@acme.test", "--team", "--now", NOW.isoformat())
    assert code == 0 and out.splitlines()[0] == "Max's team · Mon 2026-11-23"
    code, out, _ = run(
        db_url, "digest", "--user", "max@acme.test", "--team", "--now", NOW.isoformat(), "--json"
    )
    payload = json.loads(out)
    assert payload["channel"] == "UM1" and payload["blocks"][0]["block_id"] == "team.header"


def test_the_team_digest_waits_for_the_managers_own(
    world: World, session: Session, engine: Engine, slack: FakeSlack, client: WebClient
) -> None:
    only_max_digests(world)
    world.commit()
    slack.fail("chat.postMessage", status=500, times=3)  # the client's own retries included
    first = send_due(engine, client, NOW)
    assert (first.sent, first.retry) == (0, 1) and slack.messages == []
    # A tick while the own digest waits for its retry sends no team digest ahead of it.
    assert send_due(engine, client, NOW.replace(minute=0, second=30)).sent == 0
    later = send_due(engine, client, NOW.replace(minute=5))
    assert later.sent == 2
    assert [m.text.split(" · ")[0] for m in slack.messages] == ["Max's day", "Max's team"]


def test_the_team_digest_links_each_deal_to_its_record(world: World, session: Session) -> None:
    team_world(world)
    world.org.record_urls = {"deal": "https://crm.example.com/deals/{id}"}
    world.session.add(HubSpotPortal(portal_id="4711"))
    world.session.add(HubSpotRecord(object_type="deals", hubspot_id="9002", salesbot_id="deal-u2"))
    world.commit()
    digest = load_team_digest(session, manager(session), NOW, channel="UM1")
    u1, u2 = (
        "*<https://crm.example.com/deals/deal-u1|Deal of u1>*",
        "*<https://app.hubspot.com/contacts/4711/record/0-3/9002|Deal of u2>*",
    )
    assert any(line.startswith(u1) for line in digest.slipped)
    assert any(line.startswith(u2) for line in digest.idle + digest.slipped)
    assert digest.risks and all(line.startswith("*<https://") for line in digest.risks)
    payload = team_payload(digest)
    assert block_kit_errors(payload["blocks"]) == []
    text = render_team_text(digest)
    assert "Deal of u1 (https://crm.example.com/deals/deal-u1) · Ana: close date 2026-11-01 passed" in text
    assert "Deal of u2 (https://app.hubspot.com/contacts/4711/record/0-3/9002)" in text


def test_a_team_section_too_long_for_slack_keeps_whole_lines_and_counts_the_rest() -> None:
    url = "https://crm.example.com/deals/" + "x" * 450
    lines = [f"*<{url}{i}|Deal {i}>* · Ana: close date passed" for i in range(8)]
    text = section_text("Deals that slipped", lines, 9)
    assert len(text) <= limits.TEXT
    assert re.sub(r"<[^<>|]+\|[^<>]*>", "", text).count("<") == 0
    shown = text.count("\n• ")
    assert 0 < shown < 8 and text.endswith(f"_+{9 - shown} more in Home_")
