"""Schedule and Feed tabs through the real app: ranges, outcomes, feed filters, masking and permissions."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.blocks.home import modals as m
from bot.blocks.home.records import OUTCOME
from crm.models import Activity
from tests.bot.app.conftest import SlackRequests, ana_world
from tests.bot.home.conftest import home_click, open_home, published, text_of
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World, ago, ahead


def arrange(world: World) -> World:
    ana_world(world)
    world.company("acme", owner="u1", target=True)
    world.contact("c1", owner="u1", company="acme")
    world.contact("c2", owner="u2")
    world.meeting("m1", start=ago(hours=3), contacts=["c1"], outcome="scheduled").title = "Ana kickoff"
    world.meeting("m2", start=ahead(days=3), contacts=["c1"]).title = "Ana later"
    world.meeting("m3", owner="u2", start=ahead(hours=1), contacts=["c2"]).title = "Bo secret"
    world.task("t1", due=ahead(hours=2), contacts=["c1"]).title = "Prepare deck"
    world.deal("d2", owner="u2").name = "Bo deal"
    world.event("c1", at=ago(days=2), type_="page_view")
    world.event("c1", at=ago(days=400), type_="email_open")  # older than a year
    world.event("c2", at=ago(days=1), type_="email_reply")
    world.enrollment("en1", "c1")
    world.commit()
    return world


def tab(bolt: SlackRequests, slack: FakeSlack, name: str) -> dict:
    open_home(bolt)
    home_click(bolt, published(slack), f"home.nav.tab.{name}", value=f"tab={name}")
    return published(slack)


def test_schedule_day_shows_meetings_tasks_contacts_and_update_outcome(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    text = text_of(tab(bolt, slack, "schedule"))
    assert "Ana kickoff" in text and "Prepare deck" in text and "Ana later" not in text
    assert "Contacts with meetings today" in text and OUTCOME in text
    assert "Bo secret" not in text


def test_schedule_week_and_month(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    view = tab(bolt, slack, "schedule")
    home_click(bolt, view, "home.nav.range.month", value="range=month")
    assert "Ana later" in text_of(published(slack))


def test_update_outcome_on_a_past_meeting(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    view = tab(bolt, slack, "schedule")
    home_click(bolt, view, OUTCOME, value="m1")
    modal = slack.calls("views.open")[-1].params["view"]
    assert "Ana kickoff" in text_of(modal)
    bad = bolt.view_submission(m.OUTCOME_VIEW, {}, metadata=modal["private_metadata"])
    assert "errors" in bad.body
    values = {
        m.OUTCOME[0]: {m.OUTCOME[1]: {"type": "static_select", "selected_option": {"value": "completed"}}}
    }
    bolt.view_submission(m.OUTCOME_VIEW, values, metadata=modal["private_metadata"])
    session.rollback()
    meeting = session.get(Activity, "m1")
    assert meeting is not None and meeting.outcome == "completed"


def test_feed_groups_the_last_year_by_contact_with_target_label_and_filters(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    view = tab(bolt, slack, "feed")
    text = text_of(view)
    assert "feed:c1" in text and "Target account" in text and "Page viewed" in text
    [c1] = [b for b in view["blocks"] if b.get("block_id") == "feed:c1"]
    assert "Email opened" not in c1["text"]["text"]  # 400 days ago
    assert "feed:c2" not in text  # bo's contact
    home_click(bolt, view, "home.nav.event", selected="event=email_reply")
    assert "feed:c1" not in text_of(published(slack))
    home_click(bolt, view, "home.nav.seq", selected="seq=-")
    assert "feed:c1" not in text_of(published(slack))
    home_click(bolt, view, "home.nav.seq", selected="seq=*")
    assert "feed:c1" in text_of(published(slack))


def test_a_rep_with_owned_access_never_sees_a_teammates_records(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    for name in ("deals", "schedule", "feed", "summary"):
        text = text_of(tab(bolt, slack, name))
        assert "Bo deal" not in text and "Bo secret" not in text and "c2" not in text
    # even with a forged owner filter
    home_click(bolt, published(slack), "home.nav.owner", selected="owner=u2")
    assert "Bo deal" not in text_of(published(slack))


def test_admin_sees_another_users_schedule_busy(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    world.users["u1"].role = "super_admin"
    world.commit()
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.as", selected="subject=u2")
    home_click(bolt, published(slack), "home.nav.tab.schedule", value="tab=schedule")
    text = text_of(published(slack))
    assert "Busy" in text and "Bo secret" not in text and "c2" not in text and OUTCOME not in text
