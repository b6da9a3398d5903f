"""Share to channel, checked, through the real app: the insights answer's Share button posts the insights
only where every reader may view the deal and every activity they rest on; elsewhere the sharer is told how
many may not, and may share the minimal card instead or cancel."""

from __future__ import annotations

import json

import pytest

from bot.blocks import insights as ib
from bot.blocks.unfurl import SHARE_CANCEL, SHARE_MINIMAL
from tests.bot.app.conftest import SlackRequests
from tests.bot.channels.conftest import CANARY, click_in, everything_sent
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World, ago

SHARE_VALUE = ib.button_value("d1", "h")


def question(slack: FakeSlack) -> dict:
    [asked] = slack.calls("chat.postEphemeral")
    return asked.params


def test_a_channel_where_everyone_may_view_gets_the_insights(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    click_in(bolt, "CTEAM", ib.SHARE, SHARE_VALUE)
    [shared] = slack.calls("chat.postMessage")
    assert shared.params["channel"] == "CTEAM"
    assert f"{CANARY}-name" in json.dumps(shared.params["blocks"])


@pytest.mark.parametrize(
    ("channel", "says"),
    [
        ("CMIXED", "1 person in this channel may not view all of this deal"),
        ("CGUEST", "1 person in this channel may not view all of this deal"),
        ("CEXT", "shared with another organisation"),
        ("CUNKNOWN", "cannot tell who is in this conversation"),
    ],
)
def test_where_someone_may_not_view_the_sharer_is_asked_and_nothing_is_posted(
    bolt: SlackRequests, slack: FakeSlack, org: World, channel: str, says: str
) -> None:
    click_in(bolt, channel, ib.SHARE, SHARE_VALUE)
    asked = question(slack)
    assert asked["user"] == "UANA" and says in asked["text"]
    assert not slack.calls("chat.postMessage")
    assert CANARY not in everything_sent(slack)


def test_shared_insights_leave_the_sharers_private_activities_out(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    org.note("n2", owner="u1", created=ago(days=1), deals=["d1"], private=True).body = "PRIVATE-NOTE"
    org.commit()
    click_in(bolt, "CTEAM", ib.SHARE, SHARE_VALUE)
    [shared] = slack.calls("chat.postMessage")  # Bo may view the deal and every activity shared
    assert "PRIVATE-NOTE" not in everything_sent(slack) and "n2" not in json.dumps(shared.params["blocks"])


def test_an_activity_a_member_may_not_view_keeps_the_insights_out(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    org.users["u2"].access_activities = "owned"  # Bo still sees the deal, not Ana's notes
    org.commit()
    click_in(bolt, "CTEAM", ib.SHARE, SHARE_VALUE)
    assert "1 person" in question(slack)["text"]
    assert not slack.calls("chat.postMessage") and CANARY not in everything_sent(slack)


def test_the_minimal_card_instead_names_nothing_of_the_deal(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    click_in(bolt, "CMIXED", ib.SHARE, SHARE_VALUE)
    button = question(slack)["blocks"][1]["elements"][0]
    assert button["action_id"] == SHARE_MINIMAL
    click_in(bolt, "CMIXED", SHARE_MINIMAL, button["value"])
    [posted] = slack.calls("chat.postMessage")
    assert posted.params["channel"] == "CMIXED"
    assert posted.params["blocks"][0]["block_id"] == "card.minimal"
    assert CANARY not in everything_sent(slack)
    assert slack.calls("response_url")[-1].params.get("delete_original") in (True, "true")


def test_cancel_posts_nothing_and_removes_the_question(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    click_in(bolt, "CMIXED", ib.SHARE, SHARE_VALUE)
    click_in(bolt, "CMIXED", SHARE_CANCEL, "deal:d1")
    assert not slack.calls("chat.postMessage")
    assert slack.calls("response_url")[-1].params.get("delete_original") in (True, "true")


def test_a_user_who_may_not_view_the_deal_cannot_share_even_its_minimal_card(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    click_in(bolt, "CMIXED", ib.SHARE, SHARE_VALUE, user="UCY")
    click_in(bolt, "CMIXED", SHARE_MINIMAL, "deal:d1", user="UCY")
    assert not slack.calls("chat.postMessage")
    assert CANARY not in everything_sent(slack)
