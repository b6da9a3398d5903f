"""Managers in Home: the Summary's Team section (a row per rep of their team tree, opening that rep's
workspace read-only), Deals starting on "My team", and goals counting the team; owned, team and all access."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from bot.home import home_tab
from bot.home.state import HomeState
from crm.models import User
from crm.permissions import PermissionDenied
from tests.bot.app.conftest import SlackRequests
from tests.bot.home.conftest import home_click, open_home, published, text_of
from tests.bot.home.team_world import team_world
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World


def build(session: Session, user_id: str, **state: Any) -> dict[str, Any]:
    viewer = session.get(User, user_id)
    assert viewer is not None
    return home_tab.build(session, viewer, HomeState(**state), NOW)


def team_rows(view: dict[str, Any]) -> dict[str, str]:
    """Each Team row's rep id -> its text."""
    return {
        b["accessory"]["value"].removeprefix("subject="): b["text"]["text"]
        for b in view["blocks"]
        if b["block_id"].startswith("team.rep.")
    }


@pytest.mark.parametrize("access", [None, "all"])
def test_a_manager_sees_a_row_per_rep_of_their_team_tree_and_no_other_team(
    world: World, session: Session, access: str | None
) -> None:
    team_world(world, access=access)
    rows = team_rows(build(session, "m1"))
    assert set(rows) == {"u1", "u2"}  # East and its child East-2; never West's cy
    assert rows["u1"].startswith("*Ana*")
    assert "1 overdue" in rows["u1"] and "1 meeting today" in rows["u1"]
    assert "1 deal past close date or stalled" in rows["u2"]


def test_an_owned_access_manager_counts_only_what_they_may_view(world: World, session: Session) -> None:
    team_world(world, access="owned")
    rows = team_rows(build(session, "m1"))
    assert set(rows) == {"u1", "u2"}
    assert all("0 overdue" in text and "0 deals past close date" in text for text in rows.values())


def test_a_rep_never_sees_the_team_section(world: World, session: Session) -> None:
    team_world(world)
    view = build(session, "u1")
    assert team_rows(view) == {} and "team.header" not in text_of(view)


def test_a_managers_goal_counts_the_team_with_each_reps_share(world: World, session: Session) -> None:
    team_world(world)
    text = text_of(build(session, "m1"))
    assert "Deals won this quarter: `█░░░░░░░░░` 3/45 (7%)" in text  # ana 2 + bo 1; never cy's 5
    assert "_Ana 2 · Bo 1_" in text


def test_deals_start_on_my_team_for_a_manager(world: World, session: Session) -> None:
    team_world(world, access="all")
    text = text_of(build(session, "m1", tab="deals"))
    assert "Deal of u1" in text and "Deal of u2" in text and "Deal of u3" not in text
    assert '"text": "My team"' in text
    mine = text_of(build(session, "m1", tab="deals", owner="m1"))
    assert "Deal of u1" not in mine
    # "Everyone I can see": all access reaches West's deals, as the access level says.
    assert "Deal of u3" in text_of(build(session, "m1", tab="deals", owner="*"))


def test_a_team_manager_never_sees_another_teams_deals(world: World, session: Session) -> None:
    team_world(world)
    everyone = text_of(build(session, "m1", tab="deals", owner="*"))
    assert "Deal of u1" in everyone and "Deal of u3" not in everyone
    with pytest.raises(PermissionDenied):
        build(session, "m1", subject="u3")  # a rep of another team: not theirs to open
    with pytest.raises(PermissionDenied):
        build(session, "m1", subject="m2")


def test_opening_a_rep_from_the_team_section_shows_their_workspace_read_only(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    team_world(world)
    open_home(bolt, user="UM1")
    view = published(slack)
    [row] = [
        b for b in view["blocks"] if b["block_id"].startswith("team.rep.") and "Ana" in b["text"]["text"]
    ]
    home_click(bolt, view, row["accessory"]["action_id"], value=row["accessory"]["value"], user="UM1")
    shown = published(slack)
    text = text_of(shown)
    assert HomeState.loads(shown["private_metadata"]).subject == "u1"
    assert "Viewing as *Ana*" in text and "Busy" in text and "Meeting of u1" not in text
    assert "*1* overdue" in text and "team.rep." not in text
    assert "Back to my workspace" in text
    # Settings of the rep are shown, not editable.
    home_click(bolt, shown, "home.nav.tab.settings", value="tab=settings", user="UM1")
    assert "home.settings.edit" not in text_of(published(slack))
    # Back: the manager's own workspace again.
    home_click(bolt, published(slack), "home.nav.back", value="subject=", user="UM1")
    assert HomeState.loads(published(slack)["private_metadata"]).subject == ""


def test_a_forged_team_row_click_is_refused(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    team_world(world)
    # A rep forging a team row's click for a teammate.
    open_home(bolt, user="UANA")
    view = published(slack)
    home_click(bolt, view, "home.nav.team.open.0", value="subject=u2", user="UANA")
    assert len(slack.calls("views.publish")) == 1
    # A manager forging one for a rep of another team.
    open_home(bolt, user="UM1", event_id="EvH2")
    view = published(slack)
    before = len(slack.calls("views.publish"))
    home_click(bolt, view, "home.nav.team.open.0", value="subject=u3", user="UM1")
    assert len(slack.calls("views.publish")) == before
    notes = [str(c.params.get("text")) for c in slack.calls("chat.postMessage")]
    assert len(notes) == 2 and all("Nothing changed" in n for n in notes)
