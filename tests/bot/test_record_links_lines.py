"""Deal, contact and company names in the digest's lines link to their records in the CRM: the org's
templates, HubSpot's URL for a synced record (it wins), plain text with neither; the redrawn line after a
click keeps its links; names are escaped inside links, lines are never cut inside one, and a digest makes
all its links in one query however many records it names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bot.blocks.queue import queue_view
from bot.digest import render
from bot.digest.content import load_digest
from bot.digest.render import line_mrkdwn, message_payload
from bot.interactions.queue import Queue, current
from bot.lines import Line, Part
from bot.render.mrkdwn import parse
from bot.render.text import render_message
from bot.slack import limits
from bot.slack.mrkdwn import link, truncate
from crm.models import HubSpotPortal, HubSpotRecord
from tests.bot.app.conftest import SlackRequests, ana_world, send_digest
from tests.bot.app.conftest import bolt as bolt
from tests.bot.app.conftest import clock as clock
from tests.bot.app.conftest import services as services
from tests.bot.test_digest_content import action
from tests.conftest import NOW
from tests.fakes.block_kit import block_kit_errors
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World, ago, ahead

TEMPLATES = {
    "deal": "https://crm.example.com/deals/{id}",
    "contact": "https://crm.example.com/contacts/{id}",
    "company": "https://crm.example.com/companies/{id}",
}


def linked_world(world: World, templates: dict[str, str] | None = TEMPLATES) -> World:
    """Ana's digest names a contact (c1, of company co1 "Globex"), a second contact (c2) and a deal (d1)."""
    ana_world(world)
    world.org.record_urls = dict(templates) if templates else None
    world.company("co1", owner="u1").name = "Globex"
    world.contact("c1", owner="u1", company="co1")
    world.contact("c2", owner="u1")
    world.deal("d1", owner="u1", company="co1").name = "Robots"
    world.task("t1", due=ago(days=2), contacts=["c1"]).title = "Call back"
    world.meeting("m1", start=ahead(hours=1), contacts=["c1", "c2"]).title = "Demo"
    action(world, "R01", "contact", "c1", contact_id="c1", company_id="co1")
    action(world, "R17", "deal", "d1", category="closing", company_id="co1")
    world.commit()
    return world


def line_texts(payload: dict[str, Any]) -> dict[str, str]:
    return {
        b["block_id"]: b["text"]["text"]
        for b in payload["blocks"]
        if b["type"] == "section" and b["block_id"].startswith("l:")
    }


def digest_lines(session: Session, world: World) -> dict[str, str]:
    """Ana's digest payload, checked, as its lines' texts by block id."""
    return line_texts(checked(message_payload(load_digest(session, world.users["u1"], NOW))))


def checked(payload: dict[str, Any]) -> dict[str, Any]:
    limits.check_message(payload)
    assert block_kit_errors(payload["blocks"]) == []
    return payload


def test_digest_lines_link_deals_contacts_and_companies_with_the_templates(
    world: World, session: Session
) -> None:
    linked_world(world)
    lines = digest_lines(session, world)
    c1, c2 = "<https://crm.example.com/contacts/c1|c1>", "<https://crm.example.com/contacts/c2|c2>"
    assert lines["l:task:t1"].startswith(f"Call back · {c1}")
    assert lines["l:meeting:m1"].endswith(f"Demo with {c1}, {c2}")
    guided = [text for ref, text in lines.items() if ref.startswith("l:action:")]
    assert any(f"{c1} (<https://crm.example.com/companies/co1|Globex>)" in text for text in guided)
    assert any(text.endswith(": <https://crm.example.com/deals/d1|Robots>") for text in guided)


def test_a_record_synced_from_hubspot_links_to_hubspot_and_the_others_to_the_templates(
    world: World, session: Session
) -> None:
    linked_world(world)
    world.session.add(HubSpotPortal(portal_id="4711"))
    world.session.add(HubSpotRecord(object_type="deals", hubspot_id="9001", salesbot_id="d1"))
    world.session.add(HubSpotRecord(object_type="contacts", hubspot_id="501", salesbot_id="c1"))
    world.commit()
    text = "\n".join(digest_lines(session, world).values())
    assert "<https://app.hubspot.com/contacts/4711/record/0-3/9001|Robots>" in text
    assert "<https://app.hubspot.com/contacts/4711/record/0-1/501|c1>" in text
    assert "<https://crm.example.com/contacts/c2|c2>" in text  # not in HubSpot: the template
    assert "crm.example.com/deals" not in text and "crm.example.com/contacts/c1" not in text


def test_with_no_template_and_no_hubspot_record_names_are_plain(world: World, session: Session) -> None:
    linked_world(world, templates=None)
    lines = digest_lines(session, world)
    assert lines["l:task:t1"].startswith("Call back · c1")
    assert lines["l:meeting:m1"].endswith("Demo with c1, c2")
    assert not any("<" in text for text in lines.values())


def test_only_some_kinds_templated_link_only_those(world: World, session: Session) -> None:
    linked_world(world, templates={"deal": TEMPLATES["deal"]})
    text = "\n".join(digest_lines(session, world).values())
    assert "<https://crm.example.com/deals/d1|Robots>" in text
    assert "c1 (Globex)" in text and "/contacts/" not in text and "/companies/" not in text


def test_a_name_with_markup_is_escaped_inside_its_link(world: World, session: Session) -> None:
    linked_world(world)
    world.contacts["c1"].first_name = "<!here> A&B|C"
    world.contacts["c1"].last_name = "<https://evil.test|x>"
    world.commit()
    payload = checked(message_payload(load_digest(session, world.users["u1"], NOW)))
    task = line_texts(payload)["l:task:t1"]
    label = "&lt;!here&gt; A&amp;B\u2223C &lt;https://evil.test\u2223x&gt;"
    assert f"<https://crm.example.com/contacts/c1|{label}>" in task
    # Slack (and the terminal renderer, which reads mrkdwn as Slack does) sees one link, to the CRM.
    runs = [r for r in parse(task) if r.url]
    assert [(r.text, r.url) for r in runs] == [
        ("<!here> A&B\u2223C <https://evil.test\u2223x>", "https://crm.example.com/contacts/c1")
    ]
    assert "(https://crm.example.com/contacts/c1)" in render_message(payload)


def test_a_long_line_is_cut_before_a_link_never_inside_one() -> None:
    url = "https://crm.example.com/contacts/" + "x" * 400
    parts = [Part("Meeting with ", False), *(Part(f"Contact {i}", True, url) for i in range(10))]
    text = line_mrkdwn(Line("meeting:m1", tuple(parts), "meeting"))
    assert len(text) <= limits.TEXT and text.endswith("…")
    assert re.sub(r"<[^<>|]+\|[^<>]*>", "", text).count("<") == 0  # every link is whole
    assert text.count("<") == 6  # the links that fit, whole
    assert truncate("ab " + link("https://x.test/1", "name"), 10) == "ab …"
    assert truncate("a &amp; b", 5) == "a …"


def test_the_redrawn_digest_after_a_click_keeps_the_links(
    world: World, engine: Engine, slack: FakeSlack, bolt: SlackRequests
) -> None:
    linked_world(world)
    message = send_digest(engine, slack, bolt.services)
    assert "<https://crm.example.com/contacts/c1|c1>" in line_texts({"blocks": message.blocks})["l:task:t1"]

    assert bolt.click(message, render.COMPLETE, "task:t1").status == 200

    [update] = slack.calls("chat.update")
    assert block_kit_errors(update.params["blocks"]) == []
    redrawn = line_texts({"blocks": update.params["blocks"]})
    assert redrawn["l:task:t1"].startswith("~Call back · <https://crm.example.com/contacts/c1|c1>")
    assert "_completed_" in redrawn["l:task:t1"]
    assert "<https://crm.example.com/deals/d1|Robots>" in "\n".join(redrawn.values())


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def many_records(world: World, n: int) -> None:
    world.session.add(HubSpotPortal(portal_id="4711"))
    for i in range(n):
        world.company(f"co{i}", owner="u1")
        world.contact(f"c{i}", owner="u1", company=f"co{i}")
        world.deal(f"d{i}", owner="u1").name = f"Deal {i}"
        world.task(f"t{i}", due=ago(days=1, minutes=i), contacts=[f"c{i}"])
        world.meeting(f"m{i}", start=ahead(minutes=10 + i), contacts=[f"c{i}"])
        action(world, "R17", "deal", f"d{i}", category="closing", created_at=ago(hours=1, minutes=i))
        action(world, "R01", "contact", f"c{i}", contact_id=f"c{i}", company_id=f"co{i}")
        if i % 2:
            world.session.add(HubSpotRecord(object_type="deals", hubspot_id=f"9{i}", salesbot_id=f"d{i}"))
            world.session.add(HubSpotRecord(object_type="contacts", hubspot_id=f"8{i}", salesbot_id=f"c{i}"))
    world.commit()


def test_a_digest_makes_its_links_in_one_query_however_many_records_it_names(
    world: World, engine: Engine, session: Session
) -> None:
    ana_world(world)
    world.org.record_urls = dict(TEMPLATES)
    many_records(world, 12)
    user = world.users["u1"]
    with statements(engine) as seen:
        digest = load_digest(session, user, NOW, guided_limit=None)
    text = "\n".join(line.plain for s in digest.sections for line in s.lines)
    assert "Deal 11" in text and "c11" in text
    urls = {p.url for s in digest.sections for line in s.lines for p in line.parts if p.url}
    assert "https://app.hubspot.com/contacts/4711/record/0-3/911" in urls  # synced: HubSpot
    assert "https://crm.example.com/deals/d10" in urls  # not synced: the template
    assert "https://crm.example.com/companies/co3" in urls
    assert len([s for s in seen if "hubspot_records" in s]) == 1  # every kind, every record: one query
    assert len([s for s in seen if "hubspot_portal" in s]) == 1  # the templates and the portal: one query
    session.rollback()
    # And the whole build's statement count does not grow with the records it names.
    many_records_more = 25
    for i in range(12, many_records_more):
        world.deal(f"d{i}", owner="u1").name = f"Deal {i}"
        action(world, "R17", "deal", f"d{i}", category="closing", created_at=ago(hours=2, minutes=i))
        world.session.add(HubSpotRecord(object_type="deals", hubspot_id=f"9{i}", salesbot_id=f"d{i}"))
    world.commit()
    with statements(engine) as again:
        load_digest(session, user, NOW, guided_limit=None)
    assert len(again) == len(seen)


def test_a_meeting_line_links_each_contact_and_counts_the_rest(world: World, session: Session) -> None:
    linked_world(world)
    for cid in ("c3", "c4", "c5"):
        world.contact(cid, owner="u1")
    world.meeting("m9", start=ahead(hours=2), contacts=["c1", "c2", "c3", "c4", "c5"]).title = "Big"
    world.commit()
    lines = digest_lines(session, world)
    links = ", ".join(f"<https://crm.example.com/contacts/{c}|{c}>" for c in ("c1", "c2", "c3"))
    assert lines["l:meeting:m9"].endswith(f"Big with {links} +2")


def test_a_queue_member_links_its_contacts(world: World, session: Session) -> None:
    linked_world(world)
    world.meeting("m-past", start=ago(hours=5), contacts=["c1", "c2"], title="Kickoff")
    world.commit()
    queue = Queue(rule="R06", ids=["m-past"])
    member = current(session, world.users["u1"], queue, NOW)
    assert member is not None
    view = queue_view(queue, member, "UTC")
    assert block_kit_errors(view["blocks"]) == []
    text = next(b for b in view["blocks"] if b["block_id"] == "member")["text"]["text"]
    assert "With <https://crm.example.com/contacts/c1|c1>, <https://crm.example.com/contacts/c2|c2>" in text
