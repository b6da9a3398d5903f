"""Log activity from Home through the real app: calls and meetings on deals and leads (valid and invalid
input), the written activity's fields and associations, and refusal on a record the user may not change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.home import modals as m
from bot.blocks.home import records as b
from crm.models import Activity, ActivityContact, ActivityDeal, ActivityLead
from tests.bot.app.conftest import SlackRequests, ana_world
from tests.bot.home.conftest import home_click, open_home, published, text_of
from tests.fakes.slack_api import FakeSlack
from tests.rules.world import World

HOME = '{"tab":"deals"}'


def arrange(world: World) -> World:
    ana_world(world)
    world.users["u1"].timezone = "Europe/Warsaw"  # UTC+1 in November
    world.contact("c1", owner="u1")
    world.contact("c3", owner="u1")
    world.contact("c2", owner="u2")
    world.deal("d1", owner="u1", contacts=["c1", "c3"]).name = "Globex renewal"
    world.deal("d2", owner="u2", contacts=["c2"]).name = "Initech pilot"
    world.lead("l1", "c1", owner="u1")
    world.lead("l2", "c2", owner="u2")
    world.commit()
    return world


def values(
    type_: str | None,
    *,
    body: str = "",
    title: str | None = None,
    day: str | None = "2026-11-23",
    clock: str | None = "10:00",
    minutes: str | None = None,
) -> dict[str, Any]:
    form = {
        m.TYPE[0]: {
            m.TYPE[1]: {
                "type": "static_select",
                "selected_option": {"value": type_} if type_ else None,
            }
        },
        m.TITLE[0]: {m.TITLE[1]: {"type": "plain_text_input", "value": title}},
        m.BODY[0]: {m.BODY[1]: {"type": "plain_text_input", "value": body}},
        m.DATE[0]: {m.DATE[1]: {"type": "datepicker", "selected_date": day}},
        m.TIME[0]: {m.TIME[1]: {"type": "timepicker", "selected_time": clock}},
    }
    if minutes is not None:
        form[m.DURATION[0]] = {m.DURATION[1]: {"type": "number_input", "value": minutes}}
    return form


def logged(session: Session, type_: str) -> list[Activity]:
    session.rollback()
    return list(session.scalars(select(Activity).where(Activity.type == type_, Activity.id.like("sb-%"))))


def utc(at: datetime | None) -> datetime | None:
    """A stored time in UTC (SQLite returns it naive, PostgreSQL aware)."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def contacts_of(session: Session, activity: Activity) -> list[str]:
    return list(
        session.scalars(
            select(ActivityContact.contact_id)
            .where(ActivityContact.activity_id == activity.id)
            .order_by(ActivityContact.position)
        )
    )


def test_log_activity_modal_opens_from_a_deal_with_call_meeting_and_note(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    open_home(bolt)
    home_click(bolt, published(slack), "home.nav.tab.deals", value="tab=deals")
    home_click(bolt, published(slack), b.LOG, value="deal:d1")
    modal = slack.calls("views.open")[-1].params["view"]
    assert modal["callback_id"] == m.LOG_VIEW and "Globex renewal" in text_of(modal)
    assert m.read_metadata(modal["private_metadata"])[0] == "deal:d1"
    types = [o["value"] for blk in modal["blocks"] for o in blk.get("element", {}).get("options", [])]
    assert types == ["call", "meeting", "note"]


def test_a_call_on_a_deal_is_written_at_the_users_local_time_with_the_deals_contacts(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    response = bolt.view_submission(
        m.LOG_VIEW, values("call", body="Talked pricing"), metadata=m.metadata("deal:d1", HOME)
    )
    assert response.status == 200 and not response.body
    [call] = logged(session, "call")
    assert call.owner_id == "u1" and call.body == "Talked pricing" and call.status == "completed"
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Warsaw
    assert utc(call.started_at) == at and utc(call.occurred_at) == at
    deals = session.scalars(select(ActivityDeal.deal_id).where(ActivityDeal.activity_id == call.id)).all()
    assert deals == ["d1"] and contacts_of(session, call) == ["c1", "c3"]
    assert published(slack)["private_metadata"] == HOME  # Home re-published as it was


def test_a_call_needs_no_notes(world: World, slack: FakeSlack, bolt: SlackRequests, session: Session) -> None:
    arrange(world)
    bolt.view_submission(m.LOG_VIEW, values("call"), metadata=m.metadata("deal:d1", HOME))
    [call] = logged(session, "call")
    assert call.body is None


@pytest.mark.parametrize(
    ("day", "outcome"), [("2026-11-20", "completed"), ("2026-11-30", "scheduled")], ids=["past", "future"]
)
def test_a_meeting_on_a_lead_keeps_its_title_time_and_an_outcome_by_whether_it_is_past(
    day: str, outcome: str, world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    bolt.view_submission(
        m.LOG_VIEW,
        values("meeting", title="QBR with Globex", body="Agenda", day=day, clock="15:30"),
        metadata=m.metadata("lead:l1", '{"tab":"leads"}'),
    )
    [meeting] = logged(session, "meeting")
    assert (meeting.title, meeting.body, meeting.owner_id, meeting.outcome) == (
        "QBR with Globex",
        "Agenda",
        "u1",
        outcome,
    )
    assert utc(meeting.start_at) == datetime.fromisoformat(f"{day}T14:30:00+00:00")
    leads = session.scalars(select(ActivityLead.lead_id).where(ActivityLead.activity_id == meeting.id)).all()
    assert leads == ["l1"] and contacts_of(session, meeting) == ["c1"]
    assert published(slack)["private_metadata"] == '{"tab":"leads"}'


def test_a_meeting_without_a_title_is_called_meeting(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    bolt.view_submission(m.LOG_VIEW, values("meeting", title=None), metadata=m.metadata("deal:d1", HOME))
    [meeting] = logged(session, "meeting")
    assert meeting.title == "Meeting"


@pytest.mark.parametrize(
    ("form", "ref", "field"),
    [
        (values(None), "deal:d1", m.TYPE[0]),
        (values("call", day=None), "deal:d1", m.DATE[0]),
        (values("meeting", clock=None), "lead:l1", m.TIME[0]),
        (values("meeting", day="not-a-date"), "lead:l1", m.DATE[0]),
        (values("note", body="   "), "deal:d1", m.BODY[0]),
        (values("call"), "contact:c1", "m.about"),
    ],
    ids=[
        "no-type",
        "call-no-date",
        "meeting-no-time",
        "meeting-bad-date",
        "blank-note",
        "not-a-deal-or-lead",
    ],
)
def test_invalid_input_is_an_inline_error_and_writes_nothing(
    form: dict[str, Any],
    ref: str,
    field: str,
    world: World,
    slack: FakeSlack,
    bolt: SlackRequests,
    session: Session,
) -> None:
    arrange(world)
    response = bolt.view_submission(m.LOG_VIEW, form, metadata=m.metadata(ref, HOME))
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and field in body["errors"]
    assert not logged(session, "call") + logged(session, "meeting") + logged(session, "note")
    assert not slack.calls("views.publish")


@pytest.mark.parametrize("ref", ["deal:d2", "lead:l2", "deal:nope"])
@pytest.mark.parametrize("type_", ["call", "meeting"])
def test_logging_on_a_record_the_user_may_not_change_is_refused(
    ref: str, type_: str, world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    response = bolt.view_submission(m.LOG_VIEW, values(type_), metadata=m.metadata(ref, HOME))
    assert response.status == 200  # valid input: acked, refused after the ack
    assert not logged(session, type_)
    assert not slack.calls("views.publish")
    assert "Nothing changed" in str(slack.calls("chat.postMessage")[-1].params.get("text"))


def test_a_rep_who_may_view_a_teammates_deal_still_may_not_log_on_it(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    world.users["u1"].access_deals = "all"
    world.commit()
    home_click(
        bolt, {"private_metadata": '{"tab":"deals","owner":"*"}', "blocks": []}, b.LOG, value="deal:d2"
    )
    assert "Initech pilot" in text_of(slack.calls("views.open")[-1].params["view"])  # may view it
    bolt.view_submission(m.LOG_VIEW, values("call"), metadata=m.metadata("deal:d2", HOME))
    assert not logged(session, "call")
    assert "Nothing changed" in str(slack.calls("chat.postMessage")[-1].params.get("text"))


def test_the_log_modal_offers_a_meetings_duration_of_30_minutes(
    world: World, slack: FakeSlack, bolt: SlackRequests
) -> None:
    arrange(world)
    home_click(bolt, {"private_metadata": HOME, "blocks": []}, b.LOG, value="deal:d1")
    modal = slack.calls("views.open")[-1].params["view"]
    [duration] = [blk for blk in modal["blocks"] if blk.get("block_id") == m.DURATION[0]]
    element = duration["element"]
    assert element["type"] == "number_input" and element["initial_value"] == "30"
    assert (element["min_value"], element["max_value"], element["is_decimal_allowed"]) == ("5", "480", False)


@pytest.mark.parametrize(
    ("minutes", "expected"), [(None, 30), ("", 30), ("5", 5), ("45", 45), (" 480 ", 480)]
)
def test_a_logged_meeting_ends_after_its_duration(
    minutes: str | None,
    expected: int,
    world: World,
    slack: FakeSlack,
    bolt: SlackRequests,
    session: Session,
) -> None:
    arrange(world)
    response = bolt.view_submission(
        m.LOG_VIEW,
        values("meeting", day="2026-11-30", clock="15:30", minutes=minutes),
        metadata=m.metadata("deal:d1", HOME),
    )
    assert response.status == 200 and not response.body
    [meeting] = logged(session, "meeting")
    start = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
    end = start + timedelta(minutes=expected)
    assert utc(meeting.start_at) == start and utc(meeting.end_at) == end
    assert utc(meeting.occurred_at) == start and utc(meeting.ended_at) == end  # derived columns follow


@pytest.mark.parametrize("minutes", ["0", "4", "481", "10000", "-30", "30.5", "half an hour", "³"])
def test_a_meeting_duration_outside_5_to_480_minutes_is_an_inline_error_and_writes_nothing(
    minutes: str, world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    response = bolt.view_submission(
        m.LOG_VIEW, values("meeting", minutes=minutes), metadata=m.metadata("deal:d1", HOME)
    )
    body = json.loads(response.body)
    assert body["response_action"] == "errors" and list(body["errors"]) == [m.DURATION[0]]
    assert "5 to 480" in body["errors"][m.DURATION[0]]
    assert not logged(session, "meeting") and not slack.calls("views.publish")


def test_a_call_ignores_the_meeting_duration(
    world: World, slack: FakeSlack, bolt: SlackRequests, session: Session
) -> None:
    arrange(world)
    response = bolt.view_submission(
        m.LOG_VIEW, values("call", minutes="1000"), metadata=m.metadata("deal:d1", HOME)
    )
    assert response.status == 200 and not response.body
    assert len(logged(session, "call")) == 1
