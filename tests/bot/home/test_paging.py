"""Paging at Slack's 100-block limit: a rep with far more of everything than one page. Every tab's first, a
middle and the last page stay valid and within the limit; the pager says where you are; Next and Previous
clicked through the app move a page; the last page has no Next."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from bot.home import home_tab
from bot.home.state import HomeState
from bot.slack import limits
from crm.models import Action, User
from tests.bot.app.conftest import SlackRequests, ana_world
from tests.bot.home.conftest import home_click, published, text_of
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World, ago

DEALS, TASKS, MEETINGS, ACTIONS, LEADS, ENGAGED = 300, 400, 50, 200, 60, 150
# (tab state, pager key, page size, items in all)
PAGED = {
    "deals": (HomeState(tab="deals"), "deals", 20, DEALS),
    "leads": (HomeState(tab="leads"), "leads", 20, LEADS),
    "summary": (HomeState(tab="summary"), "guided", 15, ACTIONS),
    "schedule": (HomeState(tab="schedule"), "schedule", 30, TASKS + MEETINGS),
    "feed": (HomeState(tab="feed"), "feed", 10, ENGAGED),
}


def busy_rep(world: World) -> World:
    """Ana (u1) with hundreds of open deals, tasks and guided actions, today's meetings, leads in two
    stages and engaged contacts."""
    ana_world(world)
    for i in range(ENGAGED):
        world.contact(f"c{i:03}")
        world.event(f"c{i:03}", at=ago(hours=i + 1), type_="email_open" if i % 2 else "page_view")
    for i in range(DEALS):
        world.deal(f"d{i:03}", stage="s1" if i % 2 else "s2")
    for i in range(TASKS):
        world.task(f"t{i:03}", due=NOW + timedelta(minutes=i + 1)).title = f"Task number {i}"
    for i in range(MEETINGS):
        world.meeting(f"m{i:02}", start=NOW + timedelta(minutes=10 * i + 5), contacts=["c000"])
    for i in range(LEADS):
        world.lead(f"l{i:02}", f"c{i:03}", stage="ls1" if i < LEADS // 2 else "ls2")
    world.session.add_all(
        Action(
            rule="R01",
            user_id="u1",
            key=f"c{i:03}",
            subject_type="contact",
            subject_id=f"c{i:03}",
            contact_id=f"c{i:03}",
            category="prospecting",
            created_at=ago(hours=1),
        )
        for i in range(ACTIONS)
    )
    world.commit()
    return world


def pages(size: int, total: int) -> int:
    return -(-total // size)


def build(session: Session, state: HomeState) -> dict[str, Any]:
    viewer = session.get(User, "u1")
    assert viewer is not None
    view = home_tab.build(session, viewer, state, NOW)
    limits.check_view(view)
    assert len(view["blocks"]) <= limits.VIEW_BLOCKS
    return view


def pager_text(view: dict[str, Any], key: str) -> str:
    [block] = [b for b in view["blocks"] if b.get("block_id") == f"{key}.page"]
    return str(block["elements"][0]["text"])


def pager_buttons(view: dict[str, Any], key: str) -> dict[str, str]:
    blocks = [b for b in view["blocks"] if b.get("block_id") == f"{key}.pager"]
    return {e["text"]["text"]: e["value"] for b in blocks for e in b["elements"]}


def test_every_tabs_first_middle_and_last_page_is_valid_and_says_where_you_are(
    world: World, session: Session
) -> None:
    busy_rep(world)
    for tab, (state, key, size, total) in PAGED.items():
        last = pages(size, total) - 1
        for page in (0, last // 2, last):
            view = build(session, HomeState.loads(state.apply("page", str(page)).dumps()))
            assert pager_text(view, key) == f"Page {page + 1} of {last + 1} · {total} in all", tab
            buttons = pager_buttons(view, key)
            assert ("Previous" in buttons) == (page > 0), tab
            assert ("Next" in buttons) == (page < last), tab
    for tab in ("settings",):
        build(session, HomeState(tab=tab))


def test_the_last_page_holds_the_remainder_and_a_page_past_the_end_is_empty_but_valid(
    world: World, session: Session
) -> None:
    busy_rep(world)
    last = build(session, HomeState(tab="deals", page=pages(20, DEALS) - 1))
    assert len([b for b in last["blocks"] if b["block_id"].startswith("deal:")]) == DEALS - 20 * 14
    beyond = build(session, HomeState(tab="deals", page=100))
    assert not [b for b in beyond["blocks"] if b["block_id"].startswith("deal:")]
    assert pager_buttons(beyond, "deals") == {"Previous": "page=99"}


def test_summary_shows_ten_meetings_and_says_how_many_more(world: World, session: Session) -> None:
    busy_rep(world)
    view = build(session, HomeState(tab="summary"))
    meetings = [b for b in view["blocks"] if b["block_id"].startswith("l:meeting:")]
    assert len(meetings) == 10
    assert f"+{MEETINGS - 10} more in Schedule" in text_of(view)


@pytest.mark.parametrize("tab", sorted(PAGED))
def test_next_and_previous_clicked_in_the_app_move_a_page(
    tab: str, world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    busy_rep(world)
    state, key, size, total = PAGED[tab]
    start = {"private_metadata": state.dumps(), "blocks": []}
    home_click(bolt, start, f"home.nav.{key}.next", value="page=1")
    second = published(slack)
    assert HomeState.loads(second["private_metadata"]).page == 1
    assert pager_text(second, key).startswith(f"Page 2 of {pages(size, total)}")
    first_ids = {b["block_id"] for b in second["blocks"]}
    home_click(bolt, second, f"home.nav.{key}.prev", value=pager_buttons(second, key)["Previous"])
    first = published(slack)
    assert pager_text(first, key).startswith(f"Page 1 of {pages(size, total)}")
    assert "Previous" not in pager_buttons(first, key)
    assert {b["block_id"] for b in first["blocks"]} != first_ids  # other items
    # to the last page: no Next there
    last = pages(size, total) - 1
    before = {"private_metadata": state.apply("page", str(last - 1)).dumps(), "blocks": []}
    home_click(bolt, before, f"home.nav.{key}.next", value=f"page={last}")
    final = published(slack)
    assert pager_text(final, key).startswith(f"Page {last + 1} of {last + 1}")
    assert "Next" not in pager_buttons(final, key)
    for call in slack.calls("views.publish"):
        limits.check_view(call.params["view"])
