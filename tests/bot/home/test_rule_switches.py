"""Noise control: rules switched off by a user (for themselves) or a super admin (for the org) are hidden in
the digest and Home, set from the Settings tab; ``salesbot feedback report`` sums what users said."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.home.admin import RULES_MINE, RULES_ORG
from bot.digest.content import load_digest
from bot.home import home_tab
from bot.home.state import HomeState
from crm.changes.rule_switches import set_org_rules_off, set_user_rules_off
from crm.models import Action, Org, User, UserPreference
from rules.registry import RULES_BY_CODE
from tests.bot.app.conftest import SlackRequests, ana_world
from tests.bot.home.conftest import home_action, home_click, open_home, published, text_of
from tests.bot.test_digest_cli import run
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World, ago


def actions_world(world: World) -> World:
    ana_world(world)
    for i, rule in enumerate(("R01", "R07", "R07")):
        world.session.add(
            Action(
                rule=rule,
                user_id="u1",
                key=f"k{i}",
                subject_type="contact",
                subject_id=f"c{i}",
                category="prospecting",
                created_at=ago(hours=i + 1),
            )
        )
    world.commit()
    return world


def digest_rules(session: Session, user_id: str = "u1") -> set[str]:
    user = session.get(User, user_id)
    assert user is not None
    digest = load_digest(session, user, NOW)
    return {line.rule or "" for s in digest.sections for line in s.lines if line.kind in ("action", "bundle")}


def home_guided_total(session: Session, user_id: str = "u1") -> str:
    user = session.get(User, user_id)
    assert user is not None
    view = home_tab.build(session, user, HomeState(), NOW)
    [header] = [b for b in view["blocks"] if b["block_id"] == "summary.guided"]
    return str(header["text"]["text"])


def test_switched_off_rules_are_hidden_in_digest_and_home(world: World, session: Session) -> None:
    actions_world(world)
    assert digest_rules(session) == {"R01", "R07"}
    assert home_guided_total(session) == "Guided actions (3)"
    admin = world.user("a1", "admin@acme.test", role="super_admin")
    set_user_rules_off(world.session, world.users["u1"], ["R07"], RULES_BY_CODE, NOW)
    world.commit()
    session.rollback()
    assert digest_rules(session) == {"R01"} and home_guided_total(session) == "Guided actions (1)"
    set_user_rules_off(world.session, world.users["u1"], [], RULES_BY_CODE, NOW)
    set_org_rules_off(world.session, admin, ["R01"], RULES_BY_CODE)
    world.commit()
    session.rollback()
    assert digest_rules(session) == {"R07"} and home_guided_total(session) == "Guided actions (2)"
    # The engine's actions are all still there: switching a rule back on shows them again.
    assert len(session.scalars(select(Action)).all()) == 3


def multi_select(
    app: SlackRequests, view: dict[str, Any], action_id: str, values: list[str], user: str
) -> Any:
    action = {
        "action_id": action_id,
        "block_id": "b1",
        "type": "multi_static_select",
        "selected_options": [{"value": v} for v in values],
    }
    return home_action(app, view, action, user=user)


def test_settings_switch_rules_for_me_and_for_the_org(
    world: World, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    actions_world(world)
    world.users["u2"].role = "super_admin"
    world.commit()
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.tab.settings", value="tab=settings")
    settings = published(slack)
    assert RULES_MINE in text_of(settings)
    multi_select(bolt, settings, RULES_MINE, ["R07"], "UANA")
    session.rollback()
    assert session.get(UserPreference, "u1").rules_off == ["R07"]  # type: ignore[union-attr]
    assert RULES_ORG not in text_of(published(slack))  # a rep has no org switches
    # A rep forging the org's switch changes nothing.
    multi_select(bolt, settings, RULES_ORG, ["R01"], "UANA")
    session.rollback()
    assert not session.scalars(select(Org)).one().rules_off
    # A super admin switches R01 off for everyone, and sees today's digest report.
    open_home(bolt, user="UBO", event_id="EvH2")  # opens on the tab chosen last: none yet, Summary
    home_click(bolt, published(slack), "home.nav.tab.settings", value="tab=settings", user="UBO")
    admin_view = published(slack)
    multi_select(bolt, admin_view, RULES_ORG, ["R01"], "UBO")
    session.rollback()
    assert session.scalars(select(Org)).one().rules_off == ["R01"]
    text = text_of(published(slack))
    assert RULES_ORG in text and "*Today:*" in text
    assert digest_rules(session) == set()


def test_feedback_report_counts_per_rule_with_the_comments(world: World, db_url: str) -> None:
    actions_world(world)
    actions = world.session.scalars(select(Action).order_by(Action.id)).all()
    for action, feedback, comment in zip(
        actions, ("keep_it_up", "not_really", "not_really"), (None, "Too many of these", None), strict=True
    ):
        action.feedback, action.feedback_comment = feedback, comment
        action.feedback_at, action.feedback_by = ago(days=1), "u1"
    world.commit()
    code, out, _ = run(db_url, "feedback", "report", "--json")
    assert code == 0
    by_rule = {entry["rule"]: entry for entry in json.loads(out)}
    assert len(by_rule) == 19
    assert (by_rule["R01"]["keep_it_up"], by_rule["R01"]["not_really"]) == (1, 0)
    assert (by_rule["R07"]["keep_it_up"], by_rule["R07"]["not_really"]) == (0, 2)
    assert [c["comment"] for c in by_rule["R07"]["comments"]] == ["Too many of these"]
    assert by_rule["R07"]["comments"][0]["by"] == "ana@acme.test"
    code, out, _ = run(db_url, "feedback", "report")
    assert out.splitlines()[0].startswith("R07 ") and "0 keep it up, 2 not really" in out.splitlines()[0]
    assert "Too many of these" in out
    code, out, _ = run(db_url, "feedback", "report", "--since", NOW.date().isoformat())
    assert out.strip() == "No feedback yet."
    assert run(db_url, "feedback", "report", "--since", "last week")[0] == 2
