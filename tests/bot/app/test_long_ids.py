"""CRM ids of any length the importer accepts (up to 255 characters) in every view, through the real app: ids
that do not fit a Slack payload travel as short keys (``bot.slack.keys``) and are restored server-side."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.blocks import followup
from bot.blocks.home import modals as m
from bot.blocks.home import records as b
from bot.blocks.sales import PICK_DEAL
from bot.digest import render
from bot.home.state import HomeState
from bot.slack import keys, limits
from crm.models import Activity, Deal, Pipeline, Stage
from tests.bot.app.conftest import SlackRequests, ana_world, send_digest
from tests.bot.home.conftest import home_click, open_home, published, text_of
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

LONG = "x" * 254
DEAL_A, DEAL_B = LONG + "a", LONG + "b"  # 255 characters, the first 254 shared
PIPELINE = "p" * 200
STAGE = "s" * 255
USER = "u" * 200
CONTACT = "c" * 255


def arrange(world: World) -> World:
    ana_world(world)
    pipeline = Pipeline(id=PIPELINE, object="deal", name="Enterprise")
    pipeline.stages = [Stage(id=STAGE, label="Qualify", order=0, state="open")]
    world.session.add(pipeline)
    world.user(USER, "long@globex.test", team_id=world.users["u1"].team_id)
    world.contact(CONTACT, owner="u1")
    world.deal(DEAL_A, owner="u1", contacts=[CONTACT]).name = "Globex long A"
    world.deal(DEAL_B, owner="u1").name = "Globex long B"
    world.deals[DEAL_B].pipeline_id, world.deals[DEAL_B].stage_id = PIPELINE, STAGE
    world.deal("d9", owner=USER).name = "Long user's deal"
    world.commit()
    return world


def options(view: dict, action_id: str) -> list[str]:
    for block in view["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return [o["value"] for o in element["options"]]
    raise AssertionError(f"no {action_id} menu")


def test_every_key_is_short_and_unique_and_restores(session: Session, world: World) -> None:
    arrange(world)
    ids = [DEAL_A, DEAL_B, "~short", "d1", "x" * 64, "x" * 65]
    made = [keys.key(i) for i in ids]
    assert len(set(made)) == len(ids) and all(len(k) <= keys.PLAIN_MAX for k in made)
    assert made[3:5] == ["d1", "x" * 64]  # ids that fit travel unchanged
    assert keys.restore(session, keys.key(DEAL_B), Deal.id) == DEAL_B
    assert keys.restore(session, keys.key("not-there" * 30), Deal.id) == keys.key("not-there" * 30)


def test_the_deals_tab_lists_deals_whose_ids_share_254_characters(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.tab.deals", value="tab=deals")
    view = published(slack)
    assert "Globex long A" in text_of(view) and "Globex long B" in text_of(view)
    limits.check_view(view)
    assert slack.rejected == []

    # The pipeline filter offers the long pipeline; choosing it filters by the real id.
    [chosen] = [o for o in options(view, "home.nav.pipeline") if o != "pipeline=" and o != "pipeline=p1"]
    assert len(chosen) <= limits.OPTION_VALUE
    home_click(bolt, view, "home.nav.pipeline", selected=chosen)
    filtered = published(slack)
    assert HomeState.loads(filtered["private_metadata"]).pipeline == PIPELINE
    assert "Globex long B" in text_of(filtered) and "Globex long A" not in text_of(filtered)
    stage_option = [o for o in options(filtered, "home.nav.stage") if o != "stage="]
    home_click(bolt, filtered, "home.nav.stage", selected=stage_option[0])
    assert HomeState.loads(published(slack)["private_metadata"]).stage == STAGE
    assert "Globex long B" in text_of(published(slack))


def test_a_super_admin_home_offers_a_user_with_a_long_id(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    world.users["u1"].role = "super_admin"
    world.commit()
    open_home(bolt)
    view = published(slack)
    assert slack.rejected == []
    [long_user] = [o for o in options(view, "home.nav.as") if o.startswith("subject=~")]
    home_click(bolt, view, "home.nav.as", selected=long_user)
    assert HomeState.loads(published(slack)["private_metadata"]).subject == USER
    home_click(bolt, published(slack), "home.nav.tab.deals", value="tab=deals")
    assert "Long user" in text_of(published(slack)) and slack.rejected == []


def test_create_deal_and_update_stage_in_a_long_pipeline(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.tab.deals", value="tab=deals")
    home_click(bolt, published(slack), b.CREATE_DEAL, value="deal")
    modal = slack.calls("views.open")[-1].params["view"]
    limits.check_view(modal)
    stage_options = [
        o["value"]
        for blk in modal["blocks"]
        if blk["block_id"] == m.STAGE[0]
        for o in blk["element"]["options"]
    ]
    [long_choice] = [v for v in stage_options if v.startswith("~")]
    values = {
        m.NAME[0]: {m.NAME[1]: {"type": "plain_text_input", "value": "Long pipeline deal"}},
        m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": long_choice}}},
    }
    bolt.view_submission(m.CREATE_DEAL_VIEW, values, metadata=modal["private_metadata"])
    session.rollback()
    deal = session.scalars(select(Deal).where(Deal.name == "Long pipeline deal")).one()
    assert (deal.pipeline_id, deal.stage_id) == (PIPELINE, STAGE)

    home_click(bolt, published(slack), b.DEAL_STAGE, value=DEAL_B)
    stage_modal = slack.calls("views.open")[-1].params["view"]
    limits.check_view(stage_modal)
    [block] = [blk for blk in stage_modal["blocks"] if blk["block_id"] == m.STAGE[0]]
    assert block["element"]["initial_option"]["value"] == keys.key(STAGE)


def test_the_insights_picker_offers_and_resolves_long_ids(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    bolt.command("insights globex long")
    [picker] = bolt.answers()
    values = [o["value"] for blk in picker["blocks"] for e in blk.get("elements", []) for o in e["options"]]
    assert sorted(values) == sorted([keys.key(DEAL_A), keys.key(DEAL_B)])
    bolt.message_click(PICK_DEAL, selected=keys.key(DEAL_B))
    assert "Insights: Globex long B" in json.dumps(bolt.answers()[-1]["blocks"])


def test_the_follow_up_modal_offers_a_contact_with_a_long_id(
    world: World, engine: Engine, session: Session, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    world.task("t1", due=NOW - timedelta(days=1), contacts=[CONTACT], deals=[DEAL_A])
    world.commit()
    message = send_digest(engine, slack, bolt.services)
    bolt.click(message, render.COMPLETE, "task:t1")
    [prompt] = [r for r in slack.calls("chat.postEphemeral") if r.params.get("blocks")]
    create = next(e for e in prompt.params["blocks"][1]["elements"] if e["action_id"] == followup.CREATE)
    bolt.click(message, followup.CREATE, "task:t1", value=create["value"])
    view = slack.calls("views.update")[-1].params["view"]
    assert view["callback_id"] == followup.CREATE_VIEW  # not stuck on "Loading..."
    limits.check_view(view)
    links = [
        o["value"]
        for blk in view["blocks"]
        if blk["block_id"] == followup.LINKS[0]
        for o in blk["element"]["options"]
    ]
    assert f"contacts:{keys.key(CONTACT)}" in links and f"deals:{keys.key(DEAL_A)}" in links
    state = {
        "title": {"value": {"type": "plain_text_input", "value": "Call the long contact"}},
        "due": {"value": {"type": "datepicker", "selected_date": "2026-11-25"}},
        "priority": {"value": {"type": "static_select", "selected_option": {"value": "high"}}},
        "links": {"value": {"type": "checkboxes", "selected_options": [{"value": v} for v in links]}},
    }
    bolt.view_submission(followup.CREATE_VIEW, state, metadata=view["private_metadata"])
    session.rollback()
    task = session.scalars(select(Activity).where(Activity.title == "Call the long contact")).one()
    assert [c.contact_id for c in task.contact_links] == [CONTACT]
    assert [d.deal_id for d in task.deal_links] == [DEAL_A]


@pytest.mark.parametrize("tab", ["summary", "deals", "leads", "schedule", "feed", "settings"])
def test_every_home_tab_builds_with_long_ids_everywhere(
    tab: str, world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    world.users["u1"].role = "super_admin"
    world.lead("l" * 255, CONTACT, owner="u1")
    world.meeting("m" * 255, owner="u1", start=NOW + timedelta(hours=2), contacts=[CONTACT], deals=[DEAL_A])
    world.meeting("n" * 255, owner="u1", start=NOW - timedelta(hours=2), contacts=[CONTACT])
    world.task("t" * 255, due=NOW, contacts=[CONTACT], deals=[DEAL_B])
    world.event(CONTACT, at=NOW - timedelta(hours=1), id_="e" * 255)
    world.commit()
    open_home(bolt)
    home_click(bolt, published(slack), f"home.nav.tab.{tab}", value=f"tab={tab}")
    view = published(slack)
    assert HomeState.loads(view["private_metadata"]).tab == tab
    limits.check_view(view)
    assert slack.rejected == []
