"""Deal and contact names Salesbot shows link to the record in the CRM (the org's templates here): the Home
tab's deals and leads, and the insights answer; without a template, names stay plain text."""

from __future__ import annotations

import json

from tests.bot.app.conftest import SlackRequests
from tests.bot.channels.conftest import DEAL_URL, link_shared
from tests.bot.home.conftest import home_click, published, text_of
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World


def test_home_deals_and_leads_link_to_their_records(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    org.lead("l1", "c1", owner="u1")
    org.commit()
    home_click(bolt, {"private_metadata": "{}"}, "home.nav.tab.deals", value="tab=deals")
    assert f"<{DEAL_URL}|Globex robots" in text_of(published(slack))
    home_click(bolt, {"private_metadata": "{}"}, "home.nav.tab.leads", value="tab=leads")
    assert "<https://crm.example.com/contacts/c1|c1>" in text_of(published(slack))


def test_the_insights_answer_links_the_deal(bolt: SlackRequests, slack: FakeSlack, org: World) -> None:
    bolt.command("insights d1")
    [answer] = bolt.answers()
    assert f"<{DEAL_URL}|Globex robots" in json.dumps(answer["blocks"])


def test_without_a_template_names_are_plain(bolt: SlackRequests, slack: FakeSlack, org: World) -> None:
    org.org.record_urls = None
    org.commit()
    home_click(bolt, {"private_metadata": "{}"}, "home.nav.tab.deals", value="tab=deals")
    shown = text_of(published(slack))
    assert "*Globex robots" in shown and "crm.example.com" not in shown


def test_a_contact_card_links_its_company(bolt: SlackRequests, slack: FakeSlack, org: World) -> None:
    url = "https://crm.example.com/contacts/c1"
    link_shared(bolt, [url])
    [call] = slack.unfurls
    text = str(call["unfurls"][url]["blocks"])
    assert f"<{url}|c1>" in text
    assert "Company: <https://crm.example.com/companies/co1|Globex CANARY-7731-company>" in text
