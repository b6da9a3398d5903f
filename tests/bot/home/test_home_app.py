"""The Home tab through the real app: publishing on app_home_opened, tab switches and filters, the remembered
tab, settings, the task queue, and "Viewing as"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from bot.blocks.home.settings import EDIT, SETTINGS_VIEW
from bot.blocks.home.summary import START_QUEUE
from bot.digest import render
from bot.home.state import HomeState
from crm.models import Activity, User, UserPreference
from tests.bot.app.conftest import SlackRequests, ana_world
from tests.bot.home.conftest import home_click, open_home, published, text_of
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World, ahead

DAYS = [{"value": "1"}, {"value": "3"}]
FLAGS = [{"value": "send_when_empty"}]


def arrange(world: World) -> World:
    ana_world(world)
    world.contact("c1", owner="u1")
    world.contact("c2", owner="u2")
    world.task("t1", due=NOW - timedelta(days=2), contacts=["c1"], priority="high").title = "Call Ana's lead"
    world.task("t2", due=NOW + timedelta(hours=1), contacts=["c1"]).title = "Send the quote"
    world.task("t3", owner="u2", due=NOW, contacts=["c2"]).title = "Bo's secret task"
    world.meeting("m1", start=ahead(hours=2), contacts=["c1"], link="https://meet.test/x").title = "Ana demo"
    world.meeting("m2", owner="u2", start=ahead(hours=3), contacts=["c2"]).title = "Bo board meeting"
    world.commit()
    return world


def test_opening_home_publishes_the_summary_with_counts_and_meetings(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    response = open_home(bolt)
    assert response.status == 200
    [call] = slack.calls("views.publish")
    assert call.params["user_id"] == "UANA"
    view = published(slack)
    assert view["type"] == "home"
    text = text_of(view)
    assert "Ana demo" in text and "Send the quote" not in text  # tasks are counted, not listed
    assert "*1* overdue" in text and "*1* due today" in text
    assert "Bo board meeting" not in text and "Bo's secret task" not in text
    assert HomeState.loads(view["private_metadata"]).tab == "summary"


def test_a_repeated_home_event_publishes_once(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    open_home(bolt, event_id="EvSame")
    open_home(bolt, event_id="EvSame")
    assert len(slack.calls("views.publish")) == 1


def test_switching_tab_republishes_and_is_remembered(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.tab.settings", value="tab=settings")
    view = published(slack)
    assert HomeState.loads(view["private_metadata"]).tab == "settings"
    assert "Morning digest" in text_of(view)
    session.rollback()
    assert session.get(UserPreference, "u1").home_tab == "settings"
    open_home(bolt, event_id="EvH2")
    assert HomeState.loads(published(slack)["private_metadata"]).tab == "settings"


def test_guided_action_filter_switches_between_all_closing_and_prospecting(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.guided.closing", value="guided=closing")
    state = HomeState.loads(published(slack)["private_metadata"])
    assert state.guided == "closing"


def test_a_bad_navigation_value_changes_nothing(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.tab.x", value="tab=<script>")
    assert len(slack.calls("views.publish")) == 1
    assert "Nothing changed" in str(slack.calls("chat.postMessage")[-1].params.get("text"))


def test_completing_a_task_from_home_republishes_home(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    world.users["u1"].role = "rep"
    open_home(bolt)
    home_click(bolt, published(slack), render.COMPLETE, value="task:t1", block_id="a:task:t1")
    session.rollback()
    assert session.get(Activity, "t1").status == "completed"
    assert len(slack.calls("views.publish")) == 2
    assert "*0* overdue" in text_of(published(slack))


def test_start_queue_opens_the_task_queue_and_complete_moves_on(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    open_home(bolt)
    home_click(bolt, published(slack), START_QUEUE, value="overdue")
    assert len(slack.calls("views.open")) == 1
    [update] = slack.calls("views.update")
    view = update.params["view"]
    assert "Call Ana" in text_of(view)
    bolt.view_submission("queue.bundle", {}, metadata=view["private_metadata"])
    session.rollback()
    assert session.get(Activity, "t1").status == "completed"
    assert len(slack.calls("views.publish")) == 2  # Home re-published after the step


def test_settings_modal_saves_valid_settings_and_rejects_a_bad_time_zone(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    open_home(bolt)
    home_click(bolt, published(slack), EDIT, value="settings")
    [opened] = slack.calls("views.open")
    assert opened.params["view"]["callback_id"] == SETTINGS_VIEW

    def values(tz: str) -> dict:
        return {
            "set.digest": {"value": {"type": "checkboxes", "selected_options": [{"value": "on"}]}},
            "set.time": {"value": {"type": "timepicker", "selected_time": "07:30"}},
            "set.weekdays": {
                "value": {"type": "checkboxes", "selected_options": [{"value": "1"}, {"value": "3"}]}
            },
            "set.timezone": {"value": {"type": "plain_text_input", "value": tz}},
            "set.flags": {
                "value": {"type": "checkboxes", "selected_options": [{"value": "send_when_empty"}]}
            },
        }

    bad = bolt.view_submission(SETTINGS_VIEW, values("Mars/Olympus"), metadata='{"tab":"settings"}')
    assert '"response_action": "errors"' in bad.body or '"response_action":"errors"' in bad.body
    assert "set.timezone" in bad.body
    ok = bolt.view_submission(SETTINGS_VIEW, values("Europe/Warsaw"), metadata='{"tab":"settings"}')
    assert ok.status == 200 and not ok.body
    session.rollback()
    user = session.get(User, "u1")
    assert (user.timezone, user.digest_time, user.digest_weekdays) == ("Europe/Warsaw", "07:30", [1, 3])
    assert user.digest_send_when_empty is True
    assert session.get(UserPreference, "u1").follow_up_prompt is False
    assert "Europe/Warsaw" in text_of(published(slack))


def test_super_admin_views_another_users_home_with_meetings_busy(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    world.users["u1"].role = "super_admin"
    world.meeting("m3", owner="u2", start=ahead(hours=4), private=True).title = "Bo private"
    world.commit()
    open_home(bolt)
    view = published(slack)
    assert '"home.nav.as"' in text_of(view)
    home_click(bolt, view, "home.nav.as", selected="subject=u2")
    text = text_of(published(slack))
    assert "Busy" in text
    assert "Bo board meeting" not in text and "Bo private" not in text and "meet.test" not in text
    assert "*1* due today" in text  # bo's task is counted
    assert HomeState.loads(published(slack)["private_metadata"]).subject == "u2"


def test_a_rep_never_sees_the_picker_and_a_forged_view_as_is_refused(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    open_home(bolt)
    view = published(slack)
    assert "home.nav.as" not in text_of(view)
    home_click(bolt, view, "home.nav.as", selected="subject=u2")
    assert len(slack.calls("views.publish")) == 1
    forged = dict(view, private_metadata='{"subject":"u2"}')
    home_click(bolt, forged, "home.nav.tab.summary", value="tab=summary")
    assert len(slack.calls("views.publish")) == 1
    notes = [str(c.params.get("text")) for c in slack.calls("chat.postMessage")]
    assert notes and all("Nothing changed" in n for n in notes)


def test_an_unmapped_slack_user_gets_no_home(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    open_home(bolt, user="USTRANGER")
    assert not slack.calls("views.publish")
