"""``org.unfurl`` on the Home Settings tab: shown to super admins, changed by them only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.blocks.unfurl import UNFURL_SETTING
from crm.models import Org
from tests.bot.app.conftest import SlackRequests
from tests.bot.home.conftest import home_click, published, text_of
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

SETTINGS = {"private_metadata": '{"tab":"settings"}'}


def unfurl(session: Session) -> str:
    session.rollback()
    org = session.get(Org, 1)
    assert org is not None
    return org.unfurl


def test_a_super_admin_changes_how_links_unfurl(
    bolt: SlackRequests, slack: FakeSlack, org: World, session: Session
) -> None:
    org.users["u1"].role = "super_admin"
    org.commit()
    home_click(bolt, SETTINGS, UNFURL_SETTING, selected="preview_only")
    assert unfurl(session) == "preview_only"
    view = published(slack)
    [select] = [b["accessory"] for b in view["blocks"] if b.get("block_id") == "settings.unfurl"]
    assert select["initial_option"]["value"] == "preview_only"


def test_a_rep_sees_no_such_setting_and_cannot_forge_it(
    bolt: SlackRequests, slack: FakeSlack, org: World, session: Session
) -> None:
    home_click(bolt, SETTINGS, UNFURL_SETTING, selected="off")
    assert unfurl(session) == "when_all_may_view"
    assert "only a super admin" in slack.calls("chat.postMessage")[-1].params["text"]
    org.users["u1"].role = "super_admin"
    org.commit()
    home_click(bolt, SETTINGS, UNFURL_SETTING, selected="always")  # not a mode
    assert unfurl(session) == "when_all_may_view"
    org.users["u1"].role = "rep"
    org.commit()
    home_click(bolt, SETTINGS, "home.nav.tab.settings", value="tab=settings")
    shown = text_of(published(slack))
    assert "Morning digest" in shown and UNFURL_SETTING not in shown
