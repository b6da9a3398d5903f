"""Deals and Leads tabs through the real app: lists, filters, modals (valid and invalid), permissions."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.home import modals as m
from bot.blocks.home import records as b
from crm.models import Activity, ActivityDeal, Deal, Lead
from tests.bot.app.conftest import SlackRequests, ana_world
from tests.bot.home.conftest import home_click, open_home, published, text_of
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World


def arrange(world: World) -> World:
    ana_world(world)
    world.contact("c1", owner="u1")
    world.contact("c2", owner="u2")
    world.deal("d1", owner="u1", contacts=["c1"]).name = "Globex renewal"
    world.deal("d2", owner="u2", contacts=["c2"]).name = "Initech pilot"
    world.lead("l1", "c1", owner="u1")
    world.lead("l2", "c2", owner="u2")
    world.commit()
    return world


def deals_tab(bolt: SlackRequests, slack: FakeSlack) -> dict:
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.tab.deals", value="tab=deals")
    return published(slack)


def test_deals_tab_lists_own_deals_for_a_rep(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    text = text_of(deals_tab(bolt, slack))
    assert "Globex renewal" in text and "Initech pilot" not in text
    assert b.DEAL_STAGE in text and b.CREATE_DEAL in text and '"insights.show"' in text


def test_category_filter_republishes(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    view = deals_tab(bolt, slack)
    home_click(bolt, view, "home.nav.category", selected="category=past_close")
    assert "Globex renewal" not in text_of(published(slack))  # no close date: not past it


def test_update_stage_modal_changes_the_deal(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    view = deals_tab(bolt, slack)
    home_click(bolt, view, b.DEAL_STAGE, value="d1")
    modal = slack.calls("views.open")[-1].params["view"]
    assert modal["callback_id"] == m.DEAL_STAGE_VIEW
    values = {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "s5"}}}}
    bolt.view_submission(m.DEAL_STAGE_VIEW, values, metadata=modal["private_metadata"])
    session.rollback()
    deal = session.get(Deal, "d1")
    assert deal is not None and deal.stage_id == "s5" and deal.closed_at is not None
    assert "Globex renewal" not in text_of(published(slack))  # won: no longer open


def test_missing_stage_is_an_inline_error(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    response = bolt.view_submission(m.DEAL_STAGE_VIEW, {}, metadata=m.metadata("deal:d1", ""))
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and m.STAGE[0] in body["errors"]


def test_a_forged_stage_change_on_a_teammates_deal_changes_nothing(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    values = {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "s2"}}}}
    bolt.view_submission(m.DEAL_STAGE_VIEW, values, metadata=m.metadata("deal:d2", ""))
    session.rollback()
    deal = session.get(Deal, "d2")
    assert deal is not None and deal.stage_id == "s1"
    assert not slack.calls("views.publish")


def test_close_date_modal_valid_and_invalid(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    bad = bolt.view_submission(m.CLOSE_DATE_VIEW, {}, metadata=m.metadata("deal:d1", '{"tab":"deals"}'))
    assert json.loads(bad.body)["response_action"] == "errors"
    values = {m.DATE[0]: {m.DATE[1]: {"type": "datepicker", "selected_date": "2026-12-15"}}}
    bolt.view_submission(m.CLOSE_DATE_VIEW, values, metadata=m.metadata("deal:d1", '{"tab":"deals"}'))
    session.rollback()
    deal = session.get(Deal, "d1")
    assert deal is not None and deal.close_date == date(2026, 12, 15)
    assert "2026-12-15" in text_of(published(slack))


def test_log_activity_writes_a_note_on_the_deal_and_a_note_needs_text(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)

    def values(body: str) -> dict:
        return {
            m.TYPE[0]: {m.TYPE[1]: {"type": "static_select", "selected_option": {"value": "note"}}},
            m.BODY[0]: {m.BODY[1]: {"type": "plain_text_input", "value": body}},
            m.DATE[0]: {m.DATE[1]: {"type": "datepicker", "selected_date": "2026-11-23"}},
            m.TIME[0]: {m.TIME[1]: {"type": "timepicker", "selected_time": "10:00"}},
        }

    bad = bolt.view_submission(m.LOG_VIEW, values(" "), metadata=m.metadata("deal:d1", ""))
    assert m.BODY[0] in json.loads(bad.body)["errors"]
    bolt.view_submission(m.LOG_VIEW, values("Asked about SSO"), metadata=m.metadata("deal:d1", ""))
    session.rollback()
    note = session.scalars(
        select(Activity).join(ActivityDeal).where(ActivityDeal.deal_id == "d1", Activity.type == "note")
    ).one()
    assert note.body == "Asked about SSO" and note.owner_id == "u1"


def test_create_deal_validates_the_amount_and_creates_it(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    view = deals_tab(bolt, slack)
    home_click(bolt, view, b.CREATE_DEAL, value="deal")
    modal = slack.calls("views.open")[-1].params["view"]

    def values(amount: str) -> dict:
        return {
            m.NAME[0]: {m.NAME[1]: {"type": "plain_text_input", "value": "Umbrella rollout"}},
            m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "p1/s2"}}},
            m.AMOUNT[0]: {m.AMOUNT[1]: {"type": "plain_text_input", "value": amount}},
        }

    bad = bolt.view_submission(m.CREATE_DEAL_VIEW, values("lots"), metadata=modal["private_metadata"])
    assert m.AMOUNT[0] in json.loads(bad.body)["errors"]
    bolt.view_submission(m.CREATE_DEAL_VIEW, values("12,500"), metadata=modal["private_metadata"])
    session.rollback()
    deal = session.scalars(select(Deal).where(Deal.name == "Umbrella rollout")).one()
    assert (deal.owner_id, deal.stage_id, str(deal.amount)) == ("u1", "s2", "12500.00")
    assert "Umbrella rollout" in text_of(published(slack))


def test_leads_tab_moves_and_disqualifies_a_lead(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.tab.leads", value="tab=leads")
    text = text_of(published(slack))
    assert "lead:l1" in text and "lead:l2" not in text
    values = {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "ls2"}}}}
    bolt.view_submission(m.LEAD_STAGE_VIEW, values, metadata=m.metadata("lead:l1", '{"tab":"leads"}'))
    bad = bolt.view_submission(m.DISQUALIFY_VIEW, {}, metadata=m.metadata("lead:l1", '{"tab":"leads"}'))
    assert m.REASON[0] in json.loads(bad.body)["errors"]
    reason = {m.REASON[0]: {m.REASON[1]: {"type": "plain_text_input", "value": "No budget"}}}
    bolt.view_submission(m.DISQUALIFY_VIEW, reason, metadata=m.metadata("lead:l1", '{"tab":"leads"}'))
    session.rollback()
    lead = session.get(Lead, "l1")
    assert lead is not None and lead.stage_id == "ls2" and lead.disqualified_at is not None
    assert "lead:l1" not in text_of(published(slack))
