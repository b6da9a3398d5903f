"""Link unfurls through the real app: ``link_shared`` signed and dispatched by Bolt, ``chat.unfurl`` sent to
the fake Slack. A card shows a record's details only when every reader of the channel may view it."""

from __future__ import annotations

from typing import Any

from bot.blocks.unfurl import PREVIEW
from crm.models import Org
from tests.bot.app.conftest import SlackRequests
from tests.bot.channels.conftest import CANARY, DEAL_URL, everything_sent, link_shared
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World


def sent_unfurls(slack: FakeSlack) -> dict[str, Any]:
    [call] = slack.unfurls
    return call["unfurls"]


def card_text(unfurl: dict[str, Any]) -> str:
    return str(unfurl["blocks"])


def is_minimal(unfurl: dict[str, Any]) -> bool:
    return unfurl["blocks"][0]["block_id"] == "card.minimal"


def test_a_channel_where_everyone_may_view_gets_the_full_card(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    link_shared(bolt, [DEAL_URL])
    [call] = slack.unfurls
    assert call["channel"] == "CTEAM" and call["ts"] == "1700000000.000100"
    text = card_text(call["unfurls"][DEAL_URL])
    assert f"{CANARY}-name" in text and f"{CANARY}-step" in text
    assert "Owner: U1" in text and "s1" in text
    assert f"<{DEAL_URL}|" in text  # the name links to the record


def test_a_rep_of_another_team_in_the_channel_gets_a_minimal_card_with_no_canary_anywhere(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    link_shared(bolt, [DEAL_URL], channel="CMIXED")
    unfurl = sent_unfurls(slack)[DEAL_URL]
    assert is_minimal(unfurl)
    assert unfurl["blocks"][0]["accessory"]["action_id"] == PREVIEW
    assert CANARY not in everything_sent(slack)


def test_an_unmapped_member_counts_as_seeing_nothing(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    slack.users["other@partner.test"] = "UOTHER"
    slack.channels["CGUEST"].members.append("UOTHER")
    link_shared(bolt, [DEAL_URL], channel="CGUEST")
    assert is_minimal(sent_unfurls(slack)[DEAL_URL])
    # The first stranger settles it; the other is not looked up (members are asked in channel order).
    assert [c.params["user"] for c in slack.calls("users.info")] == ["UBOT", "USTRANGER"]
    assert CANARY not in everything_sent(slack)


def test_a_slack_connect_channel_never_gets_more_than_the_minimal_card(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    link_shared(bolt, [DEAL_URL], channel="CEXT")
    assert is_minimal(sent_unfurls(slack)[DEAL_URL])
    assert CANARY not in everything_sent(slack)
    assert not slack.calls("users.info")  # nobody needs mapping: the answer is the minimal card anyway


def test_bots_salesbot_included_are_not_readers(bolt: SlackRequests, slack: FakeSlack, org: World) -> None:
    link_shared(bolt, [DEAL_URL])
    assert not is_minimal(sent_unfurls(slack)[DEAL_URL])
    assert [c.params["user"] for c in slack.calls("users.info")] == ["UBOT"]


def test_preview_shows_an_allowed_user_their_view_privately(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    link_shared(bolt, [DEAL_URL], channel="CMIXED")
    value = sent_unfurls(slack)[DEAL_URL]["blocks"][0]["accessory"]["value"]
    bolt.message_click(PREVIEW, value=value, user="UBO")
    [answer] = slack.calls("chat.postEphemeral")
    assert answer.params["user"] == "UBO"
    assert f"{CANARY}-name" in str(answer.params["blocks"])
    assert not slack.calls("chat.postMessage")


def test_preview_refuses_a_user_who_may_not_view_and_shows_nothing(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    link_shared(bolt, [DEAL_URL], channel="CMIXED")
    value = sent_unfurls(slack)[DEAL_URL]["blocks"][0]["accessory"]["value"]
    bolt.message_click(PREVIEW, value=value, user="UCY")
    [answer] = slack.calls("chat.postEphemeral")
    assert answer.params["user"] == "UCY" and "may not view" in answer.params["text"]
    assert CANARY not in everything_sent(slack)


def test_a_forged_preview_value_shows_nothing(bolt: SlackRequests, slack: FakeSlack, org: World) -> None:
    for value in ("deal:d1'--", "lead:l1", "garbage", "contact:", "deal:" + "x" * 400):
        bolt.message_click(PREVIEW, value=value, user="UCY")
    answers = [c.params["text"] for c in slack.calls("chat.postEphemeral")]
    assert len(answers) == 5 and all("Nothing changed" in t or "may not view" in t for t in answers)
    assert CANARY not in everything_sent(slack)


def test_at_most_five_links_of_a_message_unfurl_and_unknown_records_unfurl_to_nothing(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    org.deal("d2", owner="u2")
    org.deal("d3", owner="u2")
    org.commit()
    urls = [
        "https://crm.example.com/deals/d404",  # unknown: nothing
        DEAL_URL,
        "https://crm.example.com/contacts/c1",
        "https://crm.example.com/companies/co1",
        "https://crm.example.com/deals/d2",
        "https://app.hubspot.com/contacts/4711/record/0-3/d3",  # the sixth link: not unfurled
    ]
    link_shared(bolt, urls)
    assert sorted(sent_unfurls(slack)) == sorted(urls[1:5])


def test_hubspot_record_urls_unfurl_old_and_new_forms(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    new = "https://app.hubspot.com/contacts/4711/record/0-3/d1"
    old = "https://app.hubspot.com/contacts/4711/deal/d1/"
    link_shared(bolt, [new, old])
    unfurls = sent_unfurls(slack)
    assert set(unfurls) == {new, old} and not any(is_minimal(u) for u in unfurls.values())


def test_org_setting_off_unfurls_nothing_and_preview_only_always_gives_the_minimal_card(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    org.org.unfurl = "off"
    org.commit()
    link_shared(bolt, [DEAL_URL], event_id="EvOff")
    assert slack.unfurls == [] and not slack.calls("conversations.members")
    org.org.unfurl = "preview_only"
    org.commit()
    link_shared(bolt, [DEAL_URL], event_id="EvPreview")
    assert is_minimal(sent_unfurls(slack)[DEAL_URL])


def test_a_retried_event_unfurls_once(bolt: SlackRequests, slack: FakeSlack, org: World) -> None:
    link_shared(bolt, [DEAL_URL])
    link_shared(bolt, [DEAL_URL])
    assert len(slack.unfurls) == 1


def test_a_composer_preview_unfurls_by_its_id_with_the_minimal_card(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    link_shared(bolt, [DEAL_URL], channel="COMPOSER", unfurl_id="Uf1", source="composer")
    [call] = slack.unfurls
    assert call["unfurl_id"] == "Uf1" and call["source"] == "composer"
    assert is_minimal(call["unfurls"][DEAL_URL])


def test_members_are_cached_until_someone_joins(bolt: SlackRequests, slack: FakeSlack, org: World) -> None:
    link_shared(bolt, [DEAL_URL], event_id="Ev1")
    link_shared(bolt, [DEAL_URL], event_id="Ev2")
    assert len(slack.calls("conversations.members")) == 1
    slack.channels["CTEAM"].members.append("UCY")
    bolt.event({"type": "member_joined_channel", "user": "UCY", "channel": "CTEAM"}, event_id="EvJ")
    link_shared(bolt, [DEAL_URL], event_id="Ev3")
    assert len(slack.calls("conversations.members")) == 2
    assert is_minimal(slack.unfurls[-1]["unfurls"][DEAL_URL])
    assert all(not is_minimal(c["unfurls"][DEAL_URL]) for c in slack.unfurls[:2])


def test_a_channel_salesbot_cannot_list_gets_the_minimal_card(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    link_shared(bolt, [DEAL_URL], channel="CUNKNOWN")
    assert is_minimal(sent_unfurls(slack)[DEAL_URL])
    assert isinstance(org.session.get(Org, 1), Org)
