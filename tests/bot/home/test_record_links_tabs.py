"""Contact and company names on the Home tab's Schedule and Feed link to their records in the CRM (templates,
HubSpot for a synced record, plain with neither); a super admin viewing another user's Schedule sees Busy
meetings with no names and no links; a company the viewer may not see is neither named nor linked."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from bot.blocks.home import records as buttons
from bot.home import home_tab
from bot.home.modals import modal_for
from bot.home.state import HomeState
from crm.models import HubSpotPortal, HubSpotRecord
from tests.bot.test_digest_content import action
from tests.conftest import NOW
from tests.fakes.block_kit import block_kit_errors
from tests.rules.world import World, ago, ahead

TEMPLATES = {
    "contact": "https://crm.example.com/contacts/{id}",
    "company": "https://crm.example.com/companies/{id}",
}
C1 = "<https://crm.example.com/contacts/c1|c1>"


def arrange(world: World, templates: dict[str, str] | None = TEMPLATES) -> World:
    world.org.record_urls = dict(templates) if templates else None
    world.company("co1", owner="u1").name = "Globex"
    world.company("co2", owner="u2").name = "Initech"
    world.contact("c1", owner="u1", company="co1")
    world.contact("c2", owner="u1", company="co2")
    world.meeting("m1", start=ahead(hours=1), contacts=["c1", "c2"]).title = "Kickoff"
    world.task("t1", due=ahead(hours=2), contacts=["c1"]).title = "Prepare deck"
    world.event("c1", at=ago(days=1), type_="page_view")
    world.event("c2", at=ago(days=2), type_="email_open")
    world.commit()
    return world


def tab(session: Session, world: World, name: str, viewer: str = "u1", subject: str = "") -> dict[str, Any]:
    view = home_tab.build(session, world.users[viewer], HomeState(tab=name, subject=subject), NOW)
    assert block_kit_errors(view["blocks"]) == []
    return view


def texts(view: dict[str, Any], prefix: str) -> list[str]:
    out = []
    for block in view["blocks"]:
        if not block.get("block_id", "").startswith(prefix):
            continue
        text = block.get("text") or (block.get("elements") or [{}])[0]
        out.append(text.get("text", ""))
    return out


def test_schedule_lines_and_contacts_today_link_each_contact(world: World, session: Session) -> None:
    arrange(world)
    view = tab(session, world, "schedule")
    meeting, task = texts(view, "schedule:meeting:")[0], texts(view, "schedule:task:")[0]
    assert meeting.endswith(f"*Kickoff* · {C1}, <https://crm.example.com/contacts/c2|c2>")
    assert task.endswith(f"*Prepare deck* · {C1}")
    [today] = texts(view, "schedule.contacts")
    assert today.endswith(f"{C1}, <https://crm.example.com/contacts/c2|c2>")


def test_schedule_links_a_synced_contact_to_hubspot(world: World, session: Session) -> None:
    arrange(world)
    world.session.add(HubSpotPortal(portal_id="4711", ui_domain="app-eu1.hubspot.com"))
    world.session.add(HubSpotRecord(object_type="contacts", hubspot_id="77", salesbot_id="c1"))
    world.commit()
    [task] = texts(tab(session, world, "schedule"), "schedule:task:")
    assert task.endswith("· <https://app-eu1.hubspot.com/contacts/4711/record/0-1/77|c1>")


def test_schedule_without_templates_shows_plain_names(world: World, session: Session) -> None:
    arrange(world, templates=None)
    view = tab(session, world, "schedule")
    assert texts(view, "schedule:meeting:")[0].endswith("*Kickoff* · c1, c2")
    assert "crm.example.com" not in str(view) and "<" not in "".join(
        texts(view, "schedule:") + texts(view, "schedule.contacts")
    )


def test_a_super_admin_viewing_as_sees_busy_meetings_without_names_or_links(
    world: World, session: Session
) -> None:
    arrange(world)
    world.users["u2"].role = "super_admin"
    world.commit()
    view = tab(session, world, "schedule", viewer="u2", subject="u1")
    [meeting] = texts(view, "schedule:meeting:")
    assert meeting.endswith("*Busy*") and "contacts/" not in meeting and "c1" not in meeting
    assert texts(view, "schedule.contacts") == []
    assert "Kickoff" not in str(view) and "crm.example.com/contacts/c2" not in str(view)


@pytest.mark.parametrize(
    ("access", "second_company"),
    [
        ("all", " · <https://crm.example.com/companies/co2|Initech>\n"),
        ("owned", "\n"),  # Bo's company, which Ana may not see: neither named nor linked
    ],
)
def test_feed_groups_link_their_contact_and_the_company_the_viewer_may_see(
    world: World, session: Session, access: str, second_company: str
) -> None:
    arrange(world)
    world.users["u1"].access_companies = access
    world.commit()
    first, second = texts(tab(session, world, "feed"), "feed:")
    assert first.startswith(f"*{C1}* · <https://crm.example.com/companies/co1|Globex>\n")
    assert second.startswith(f"*<https://crm.example.com/contacts/c2|c2>*{second_company}")


def about(view: dict[str, Any]) -> str:
    assert block_kit_errors(view["blocks"]) == []
    return str(next(b for b in view["blocks"] if b["block_id"] == "m.about")["text"]["text"])


def test_record_modals_link_the_deal_or_the_leads_contact(world: World, session: Session) -> None:
    arrange(world, templates={**TEMPLATES, "deal": "https://crm.example.com/deals/{id}"})
    world.deal("d1", owner="u1").name = "Robots & <Co>"
    world.lead("l1", "c1", owner="u1")
    world.contact("c9", owner="u2")
    world.lead("l9", "c9", owner="u1")  # a lead of Ana's whose contact she may not see
    world.users["u1"].access_contacts = "owned"
    world.commit()
    u1 = world.users["u1"]
    for action_id in (buttons.CLOSE_DATE, buttons.DEAL_STAGE, buttons.LOG):
        view = modal_for(session, u1, action_id, "d1" if action_id != buttons.LOG else "deal:d1", "", NOW)
        assert about(view) == "*<https://crm.example.com/deals/d1|Robots &amp; &lt;Co&gt;>*"
    assert about(modal_for(session, u1, buttons.LEAD_STAGE, "l1", "", NOW)) == f"*{C1}*"
    assert about(modal_for(session, u1, buttons.DISQUALIFY, "l9", "", NOW)) == "*A lead*"


def test_summary_lines_link_names_and_view_as_busy_meetings_link_nothing(
    world: World, session: Session
) -> None:
    arrange(world)
    world.users["u2"].role = "super_admin"
    action(world, "R12", "meeting", "m1", contact_id="c1", category="closing")
    world.commit()
    own = str(tab(session, world, "summary")["blocks"])
    assert f"Kickoff with {C1}, <https://crm.example.com/contacts/c2|c2>" in own  # today's meeting
    assert f"with {C1}" in own
    viewed = str(tab(session, world, "summary", viewer="u2", subject="u1")["blocks"])
    assert "Busy" in viewed and "crm.example.com/contacts" not in viewed and "Kickoff" not in viewed
