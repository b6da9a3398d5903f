"""``/sales queue|deals|schedule|feed`` through the real app, and ``salesbot home``."""

from __future__ import annotations

import io
import json

from bot.cli.main import main
from tests.bot.app.conftest import SlackRequests, ana_world
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World, ago, ahead


def arrange(world: World) -> World:
    ana_world(world)
    world.contact("c1", owner="u1")
    world.deal("d1", owner="u1").name = "Globex renewal"
    world.deal("d2", owner="u2").name = "Bo deal"
    world.meeting("m1", start=ahead(hours=1), contacts=["c1"]).title = "Ana call"
    world.task("t1", due=ago(days=1)).title = "Overdue thing"
    world.event("c1", at=ago(days=1), type_="page_view")
    world.commit()
    return world


def test_sales_deals_schedule_and_feed_answer_privately(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    for text, expected in (
        ("deals", "Globex renewal"),
        ("schedule week", "Ana call"),
        ("feed page_view", "feed:c1"),
    ):
        assert bolt.command(text).status == 200
        answer = bolt.answers()[-1]
        assert answer["response_type"] == "ephemeral"
        assert expected in json.dumps(answer["blocks"]) and "Bo deal" not in json.dumps(answer["blocks"])


def test_sales_subcommands_with_a_bad_argument_answer_with_the_usage(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    for text in ("deals nonsense", "schedule year", "feed tweets"):
        bolt.command(text)
        assert "/sales insights" in json.dumps(bolt.answers()[-1])


def test_sales_queue_opens_the_task_queue(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    bolt.command("queue overdue")
    [opened] = slack.calls("views.open")
    assert opened.params["trigger_id"] == "trigger-cmd"
    assert "Overdue thing" in json.dumps(slack.calls("views.update")[-1].params["view"])


def test_unmapped_user_gets_no_data(world: World, slack: FakeSlack, bolt: SlackRequests) -> None:
    arrange(world)
    bolt.command("deals", user="USTRANGER")
    assert "Globex" not in json.dumps(bolt.answers()) and "Globex" not in json.dumps(
        [c.params for c in slack.calls("chat.postEphemeral")]
    )


def test_cli_home_prints_a_tab_and_the_publish_payload(world: World, db_url: str) -> None:
    arrange(world)
    out = io.StringIO()
    args = ["--database-url", db_url, "home", "--user", "ana@acme.test", "--now", NOW.isoformat()]
    assert main([*args, "--tab", "deals"], out=out) == 0
    assert "Globex renewal" in out.getvalue() and "Bo deal" not in out.getvalue()
    out = io.StringIO()
    assert main([*args, "--json"], out=out) == 0
    payload = json.loads(out.getvalue())
    assert payload["view"]["type"] == "home" and payload["user_id"] == "UANA"
    assert main([*args[:-4], "nobody@x.test"], out=io.StringIO(), err=io.StringIO()) == 2
