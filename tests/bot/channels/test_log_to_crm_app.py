""" "Log to CRM" through the real app: the message shortcut's modal (the message made a plain note with its
permalink), the type-ahead through the permission filter, and the note saved by ``log_activity`` only on a
record the user may change."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.log_to_crm import NOTE, RECORD, SHORTCUT, VIEW
from crm.models import Activity, ActivityContact, ActivityDeal
from tests.bot.app.conftest import SlackRequests
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

MESSAGE = (
    "Hi <@UBO>, pricing is <https://evil.test/x|here> <!channel> &lt;b&gt; "
    "<mailto:hank@globex.test|hank@globex.test> in <#C9|deals>"
)


def shortcut(app: SlackRequests, *, user: str = "UANA", text: str = MESSAGE) -> Any:
    payload = {
        "type": "message_action",
        "callback_id": SHORTCUT,
        "trigger_id": "trigger-sc",
        "team": {"id": "T0001"},
        "user": {"id": user},
        "channel": {"id": "CTEAM", "name": "team"},
        "message_ts": "1700000000.000100",
        "response_url": app.slack.response_url("sc"),
        "message": {"type": "message", "user": "UBO", "ts": "1700000000.000100", "text": text},
    }
    return app.interactive(payload)


def suggest(app: SlackRequests, typed: str, *, user: str = "UANA") -> list[str]:
    payload = {
        "type": "block_suggestion",
        "action_id": RECORD[1],
        "block_id": RECORD[0],
        "team": {"id": "T0001"},
        "user": {"id": user},
        "value": typed,
        "view": {"id": "V0001", "type": "modal", "callback_id": VIEW},
    }
    response = app.interactive(payload)
    assert response.status == 200
    return [o["value"] for o in json.loads(response.body)["options"]]


def submit(app: SlackRequests, picked: str | None, note: str, *, user: str = "UANA") -> Any:
    values = {
        RECORD[0]: {
            RECORD[1]: {
                "type": "external_select",
                "selected_option": {"value": picked, "text": {"type": "plain_text", "text": "x"}}
                if picked
                else None,
            }
        },
        NOTE[0]: {NOTE[1]: {"type": "plain_text_input", "value": note}},
    }
    return app.view_submission(VIEW, values, user=user)


def notes(session: Session) -> list[Activity]:
    session.rollback()
    return list(session.scalars(select(Activity).where(Activity.type == "note", Activity.id.like("sb-%"))))


def test_the_shortcut_prefills_the_message_as_a_plain_note_with_its_permalink(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    shortcut(bolt)
    view = slack.calls("views.update")[-1].params["view"]
    assert view["callback_id"] == VIEW
    note = view["blocks"][1]["element"]["initial_value"]
    assert note == (
        "Hi @U2, pricing is here (https://evil.test/x) @channel <b> hank@globex.test in #deals"
        "\n\nFrom Slack: https://acme.slack.com/archives/CTEAM/p1700000000000100"
    )
    assert "<@" not in note and "<http" not in note and "<!" not in note


def test_the_type_ahead_offers_only_records_the_user_may_log_on(
    bolt: SlackRequests, slack: FakeSlack, org: World
) -> None:
    assert suggest(bolt, "ROBOTS") == ["deal:d1"]
    assert suggest(bolt, "globex") == ["deal:d1", "contact:c1"]  # the contact by its address
    assert suggest(bolt, "") == ["deal:d1", "contact:c1"]
    assert suggest(bolt, "c1@GLOBEX") == ["contact:c1"]
    assert suggest(bolt, "globex", user="UCY") == []  # another team's deal
    assert suggest(bolt, "%") == []  # a wildcard is a character like any other
    assert suggest(bolt, "globex", user="USTRANGER") == []  # no CRM user


def test_the_note_is_saved_on_the_deal_and_its_contacts(
    bolt: SlackRequests, slack: FakeSlack, org: World, session: Session
) -> None:
    body = "Hi @U2, pricing is here (https://evil.test/x)"
    submit(bolt, "deal:d1", body)
    [note] = notes(session)
    assert note.body == body and note.owner_id == "u1" and not note.private
    links = session.scalars(select(ActivityDeal.deal_id).where(ActivityDeal.activity_id == note.id)).all()
    contacts = session.scalars(
        select(ActivityContact.contact_id).where(ActivityContact.activity_id == note.id)
    ).all()
    assert (list(links), list(contacts)) == (["d1"], ["c1"])
    assert "Saved the message" in slack.calls("chat.postMessage")[-1].params["text"]


def test_a_note_on_a_contact(bolt: SlackRequests, slack: FakeSlack, org: World, session: Session) -> None:
    submit(bolt, "contact:c1", "Met at the fair")
    [note] = notes(session)
    contacts = session.scalars(
        select(ActivityContact.contact_id).where(ActivityContact.activity_id == note.id)
    ).all()
    assert list(contacts) == ["c1"]


def test_a_record_the_user_may_not_see_is_refused_and_nothing_is_saved(
    bolt: SlackRequests, slack: FakeSlack, org: World, session: Session
) -> None:
    submit(bolt, "deal:d1", "Sneaky", user="UCY")
    submit(bolt, "contact:c1", "Sneaky", user="UCY")
    submit(bolt, "lead:l1", "Sneaky", user="UANA")
    assert notes(session) == []
    answers = [c.params["text"] for c in slack.calls("chat.postMessage")]
    assert answers[:2] == [
        "Nothing changed: you may not change that deal.",
        "Nothing changed: you may not change that contact.",
    ]


def test_a_submission_without_a_record_or_text_shows_errors_inline(
    bolt: SlackRequests, slack: FakeSlack, org: World, session: Session
) -> None:
    response = submit(bolt, None, "  ")
    errors = json.loads(response.body)["errors"]
    assert set(errors) == {RECORD[0], NOTE[0]}
    assert notes(session) == []


def test_a_record_with_a_long_id_travels_as_a_key_and_is_saved_on(
    bolt: SlackRequests, slack: FakeSlack, org: World, session: Session
) -> None:
    long_id = "d" * 200
    org.deal(long_id, owner="u1").name = "Long-id deal"
    org.commit()
    [value] = suggest(bolt, "long-id")
    assert len(value) <= 150
    submit(bolt, value, "On the long one")
    [note] = notes(session)
    linked = session.scalars(select(ActivityDeal.deal_id).where(ActivityDeal.activity_id == note.id)).all()
    assert list(linked) == [long_id]
