"""Write-back through the real Slack app: a rep's click changes the local store and, once, HubSpot."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.blocks.home import modals as m
from bot.digest import render
from crm.models import Activity, Deal, HubSpotRecord, Lead, WritebackEntry
from tests.bot.app.conftest import send_digest
from tests.conftest import NOW
from tests.fakes.slack_api import FakeSlack
from tests.hubspot_connector.connected import PORTAL, Connected, crm_world, no_show_from_the_queue
from tests.rules.world import World


def test_completing_a_task_completes_it_in_hubspot_once_and_says_where_it_was_saved(
    hs: Connected, session: Session
) -> None:
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    hs.bolt.click(message, render.COMPLETE, "task:t1")  # a second click changes nothing, here or there

    [patch] = hs.patches("tasks", "t1")
    assert patch.body == {"properties": {"hs_task_status": "COMPLETED"}}
    assert hs.properties("tasks", "t1")["hs_task_status"] == "COMPLETED"
    [entry] = hs.entries()
    assert (entry.kind, entry.state, entry.attempts, entry.hubspot_id) == (
        "complete_task", "sent", 1, str(hs.ids["t1"])
    )  # fmt: skip
    url = f"https://app.hubspot.com/contacts/{PORTAL}/record/0-27/{hs.ids['t1']}"
    saved = hs.line(hs.slack.calls("chat.update")[-1], "task:t1")
    assert f"<{url}|saved in HubSpot>" in saved


def test_snoozing_a_task_moves_its_due_time_in_hubspot(hs: Connected, session: Session) -> None:
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.SNOOZE, "task:t1", selected="1h")
    [patch] = hs.patches("tasks", "t1")
    until = NOW + timedelta(hours=1)
    assert patch.body == {"properties": {"hs_timestamp": str(int(until.timestamp() * 1000))}}


def test_a_500_is_retried_and_the_update_arrives_once(hs: Connected) -> None:
    hs.hubspot.fail(500, times=1, path=f"/crm/v3/objects/tasks/{hs.ids['t1']}")
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    assert [r.status for r in hs.patches("tasks", "t1")] == [500, 200]
    assert hs.entries()[0].state == "sent"


def test_a_429_waits_its_retry_after_then_the_update_arrives_once(hs: Connected) -> None:
    hs.hubspot.rate_limit(times=1, retry_after=3, path=f"/crm/v3/objects/tasks/{hs.ids['t1']}")
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    assert [r.status for r in hs.patches("tasks", "t1")] == [429, 200]
    assert 3.0 in hs.time.slept
    assert hs.entries()[0].state == "sent"


def test_hubspot_down_keeps_the_entry_pending_until_a_later_send(hs: Connected) -> None:
    hs.hubspot.fail(503, times=4, path=f"/crm/v3/objects/tasks/{hs.ids['t1']}")
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    [entry] = hs.entries()
    assert entry.state == "pending" and entry.next_attempt_at > NOW and "503" in (entry.last_error or "")
    assert hs.services.writeback is not None
    hs.services.writeback.send_pending(None)  # not due yet: nothing sent
    assert len(hs.patches("tasks", "t1")) == 4
    hs.later(minutes=1)
    hs.services.writeback.send_pending(None)
    assert [r.status for r in hs.patches("tasks", "t1")] == [503] * 4 + [200]
    assert hs.entries()[0].state == "sent"


def test_an_entry_committed_by_a_process_that_died_before_sending_is_sent_by_the_clock(
    hs: Connected, session: Session
) -> None:
    from bot.writeback.runner import writeback_tick

    assert hs.services.writeback is not None
    hs.services.writeback.pool.shutdown()  # the web process dies between the commit and the send
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    session.rollback()
    assert session.get(Activity, "t1").status == "completed"
    assert [e.state for e in hs.entries()] == ["pending"] and not hs.patches("tasks", "t1")

    results = writeback_tick(hs.engine, None, hs.settings, lambda: NOW + timedelta(minutes=1))

    assert [r.state for r in results] == ["sent"]
    assert len(hs.patches("tasks", "t1")) == 1
    assert writeback_tick(hs.engine, None, hs.settings, lambda: NOW + timedelta(minutes=2)) == []


def _log(kind: str, body: str = "Asked about SSO") -> dict:
    return {
        m.TYPE[0]: {m.TYPE[1]: {"type": "static_select", "selected_option": {"value": kind}}},
        m.TITLE[0]: {
            m.TITLE[1]: {"type": "plain_text_input", "value": "Demo" if kind == "meeting" else None}
        },
        m.BODY[0]: {m.BODY[1]: {"type": "plain_text_input", "value": body}},
        m.DATE[0]: {m.DATE[1]: {"type": "datepicker", "selected_date": "2026-11-23"}},
        m.TIME[0]: {m.TIME[1]: {"type": "timepicker", "selected_time": "10:00"}},
    }


@pytest.mark.parametrize(
    ("kind", "object_type", "type_ids"),
    [("call", "calls", (194, 206)), ("meeting", "meetings", (200, 212)), ("note", "notes", (202, 214))],
)
def test_logging_an_activity_creates_it_in_hubspot_with_its_associations(
    hs: Connected, session: Session, kind: str, object_type: str, type_ids: tuple[int, int]
) -> None:
    hs.bolt.view_submission(m.LOG_VIEW, _log(kind), metadata=m.metadata("deal:d1", ""))
    [create] = hs.creates(object_type)
    props = create.body["properties"]
    assert props["hubspot_owner_id"] == "501" and props["salesbot_ref"]
    body_property = {"call": "hs_call_body", "meeting": "hs_meeting_body", "note": "hs_note_body"}[kind]
    assert props[body_property] == "Asked about SSO"
    links = {(a["to"]["id"], a["types"][0]["associationTypeId"]) for a in create.body["associations"]}
    assert links == {(str(hs.ids["c1"]), type_ids[0]), (str(hs.ids["d1"]), type_ids[1])}
    [entry] = hs.entries()
    assert entry.state == "sent" and entry.hubspot_id is not None
    session.rollback()
    mapped = session.scalars(
        select(HubSpotRecord.salesbot_id).where(
            HubSpotRecord.object_type == object_type, HubSpotRecord.hubspot_id == entry.hubspot_id
        )
    ).one()
    assert mapped == entry.record_id  # the sync will recognise the record as Salesbot's own


def test_a_create_whose_answer_was_lost_makes_one_record_not_two(hs: Connected, session: Session) -> None:
    hs.hubspot.lose_answer(times=1, path="/crm/v3/objects/notes")
    hs.bolt.view_submission(m.LOG_VIEW, _log("note"), metadata=m.metadata("deal:d1", ""))
    [entry] = hs.entries()
    assert entry.state == "pending" and len(hs.hubspot.state.objects["notes"]) == 1  # HubSpot stored it

    hs.later(minutes=1)
    assert hs.services.writeback is not None
    hs.services.writeback.send_pending(None)

    [entry] = hs.entries()
    [(note_id, note)] = hs.hubspot.state.objects["notes"].items()
    assert entry.state == "sent" and entry.hubspot_id == str(note_id)
    assert note.properties["salesbot_ref"] == entry.ref
    assert len(hs.creates("notes")) == 1  # found by its reference, not created again


def test_a_create_refused_as_a_duplicate_is_found_by_its_reference(hs: Connected) -> None:
    # The answer was lost and search had not seen the record yet: the second create is refused (the
    # reference is unique), and the record is found once search sees it.
    hs.hubspot.lose_answer(times=1, path="/crm/v3/objects/notes")
    hs.hubspot.search_lag_s = 3600
    hs.bolt.view_submission(m.LOG_VIEW, _log("note"), metadata=m.metadata("deal:d1", ""))
    assert hs.services.writeback is not None
    hs.later(minutes=1)
    hs.services.writeback.send_pending(None)
    assert [r.status for r in hs.creates("notes")] == [-1, 409]
    assert hs.entries()[0].state == "pending"
    hs.hubspot.search_lag_s = 0
    hs.later(minutes=5)
    hs.services.writeback.send_pending(None)
    assert hs.entries()[0].state == "sent" and len(hs.hubspot.state.objects["notes"]) == 1


def test_deal_stage_and_close_date_are_written_to_the_deal(hs: Connected) -> None:
    stage = {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "s2"}}}}
    hs.bolt.view_submission(m.DEAL_STAGE_VIEW, stage, metadata=m.metadata("deal:d1", ""))
    day = {m.DATE[0]: {m.DATE[1]: {"type": "datepicker", "selected_date": "2026-12-15"}}}
    hs.bolt.view_submission(m.CLOSE_DATE_VIEW, day, metadata=m.metadata("deal:d1", ""))
    bodies = [r.body["properties"] for r in hs.patches("deals", "d1")]
    midnight = str(int(datetime(2026, 12, 15, tzinfo=NOW.tzinfo).timestamp() * 1000))
    assert bodies == [{"dealstage": "s2"}, {"closedate": midnight}]
    assert [e.state for e in hs.entries()] == ["sent", "sent"]


def test_moving_and_disqualifying_a_lead_moves_it_in_hubspot_and_notes_why(hs: Connected) -> None:
    stage = {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "ls2"}}}}
    hs.bolt.view_submission(m.LEAD_STAGE_VIEW, stage, metadata=m.metadata("lead:l1", ""))
    reason = {m.REASON[0]: {m.REASON[1]: {"type": "plain_text_input", "value": "No budget"}}}
    hs.bolt.view_submission(m.DISQUALIFY_VIEW, reason, metadata=m.metadata("lead:l1", ""))
    bodies = [r.body["properties"] for r in hs.patches("leads", "l1")]
    assert bodies == [{"hs_pipeline_stage": "ls2"}, {"hs_pipeline_stage": "ls9"}]
    [note] = hs.creates("notes")
    assert note.body["properties"]["hs_note_body"] == "Disqualified: No budget"
    assert [(a["to"]["id"], a["types"][0]["associationTypeId"]) for a in note.body["associations"]] == [
        (str(hs.ids["c1"]), 202)
    ]


def test_a_conflict_on_a_task_completed_in_hubspot_changes_nothing_there_and_tells_the_rep(
    hs: Connected, session: Session
) -> None:
    hs.hubspot.state.change("tasks", hs.ids["t1"], {"hs_task_status": "COMPLETED"})
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.SNOOZE, "task:t1", selected="1h")
    assert not hs.patches("tasks", "t1")
    [entry] = hs.entries()
    assert entry.state == "conflict"
    session.rollback()
    assert session.get(Activity, "t1").status == "completed"  # HubSpot wins
    redrawn_line = hs.line(hs.slack.calls("chat.update")[-1], "task:t1")
    assert "already completed in HubSpot" in redrawn_line and "_completed_" in redrawn_line
    redrawn = hs.slack.calls("chat.update")[-1].params["blocks"]
    assert not any(b.get("block_id") == "a:task:t1" for b in redrawn)  # the line shows HubSpot's state


def test_a_conflict_on_a_deal_moved_in_hubspot_keeps_hubspots_stage(hs: Connected, session: Session) -> None:
    hs.hubspot.state.change("deals", hs.ids["d1"], {"dealstage": "s2"})
    stage = {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "s5"}}}}
    hs.bolt.view_submission(m.DEAL_STAGE_VIEW, stage, metadata=m.metadata("deal:d1", ""))
    assert not hs.patches("deals", "d1")
    assert hs.properties("deals", "d1")["dealstage"] == "s2"
    session.rollback()
    assert session.get(Deal, "d1").stage_id == "s2"
    assert "the deal is at s2 in HubSpot" in hs.seen()[-1]  # Home, republished


def test_a_conflict_on_a_lead_moved_in_hubspot_keeps_hubspots_stage(hs: Connected, session: Session) -> None:
    hs.hubspot.state.change("leads", hs.ids["l1"], {"hs_pipeline_stage": "ls8"})
    stage = {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": "ls2"}}}}
    hs.bolt.view_submission(m.LEAD_STAGE_VIEW, stage, metadata=m.metadata("lead:l1", ""))
    assert not hs.patches("leads", "l1")
    session.rollback()
    assert session.get(Lead, "l1").stage_id == "ls8"
    assert hs.entries()[0].state == "conflict"


def test_a_conflict_on_a_deal_deleted_in_hubspot_is_told_and_marked_for_the_sync(
    hs: Connected, session: Session
) -> None:
    from crm.models import HubSpotPendingRead

    hs.hubspot.state.archive("deals", hs.ids["d1"])
    day = {m.DATE[0]: {m.DATE[1]: {"type": "datepicker", "selected_date": "2026-12-15"}}}
    hs.bolt.view_submission(m.CLOSE_DATE_VIEW, day, metadata=m.metadata("deal:d1", ""))
    assert not hs.patches("deals", "d1")
    assert hs.entries()[0].state == "conflict"
    assert "deleted in HubSpot" in hs.seen()[-1]
    session.rollback()
    assert session.get(HubSpotPendingRead, ("deals", str(hs.ids["d1"]))) is not None


def test_a_task_already_completed_in_hubspot_is_not_written_twice(hs: Connected) -> None:
    hs.hubspot.state.change("tasks", hs.ids["t1"], {"hs_task_status": "COMPLETED"})
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    assert not hs.patches("tasks", "t1")
    assert hs.entries()[0].state == "conflict"
    assert "already completed in HubSpot" in hs.line(hs.slack.calls("chat.update")[-1], "task:t1")


@pytest.mark.parametrize("status", [403, 400])
def test_a_refusal_is_told_privately_with_a_retry_that_works_once_the_cause_is_fixed(
    hs: Connected, status: int
) -> None:
    from bot.writeback.messages import RETRY

    hs.hubspot.fail(status, times=1, path=f"/crm/v3/objects/tasks/{hs.ids['t1']}")
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    [entry] = hs.entries()
    assert entry.state == "failed" and str(status) in (entry.last_error or "")
    failure = next(
        c for c in hs.slack.calls("chat.postEphemeral") if "Not saved in HubSpot" in str(c.params.get("text"))
    )
    assert failure.params["user"] == "UANA"
    [button] = [e for b in failure.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == (RETRY, str(entry.id))

    hs.bolt.message_click(RETRY, value=button["value"], user="UBO")  # not Bo's to retry
    assert hs.entries()[0].state == "failed"
    hs.bolt.message_click(RETRY, value=button["value"])

    assert [r.status for r in hs.patches("tasks", "t1")] == [status, 200]
    assert hs.entries()[0].state == "sent"


def test_a_meeting_outcome_from_the_queue_is_written_to_the_meeting(hs: Connected) -> None:
    import json

    view = no_show_from_the_queue(hs, NOW)
    assert "Kickoff" in json.dumps(view)
    [patch] = hs.patches("meetings", "m1")
    assert patch.body == {"properties": {"hs_meeting_outcome": "NO_SHOW"}}


def test_a_follow_up_task_is_created_in_hubspot_with_its_associations(hs: Connected) -> None:
    from bot.blocks import followup

    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    [posted] = [r for r in hs.slack.calls("chat.postEphemeral") if r.params.get("blocks") and any(
        e.get("action_id") == followup.CREATE for b in r.params["blocks"] for e in b.get("elements", [])
        if isinstance(e, dict))]  # fmt: skip
    create = next(
        e
        for b in posted.params["blocks"]
        for e in b.get("elements", [])
        if e.get("action_id") == followup.CREATE
    )
    hs.bolt.click(message, followup.CREATE, "task:t1", value=create["value"])
    view = hs.slack.calls("views.update")[-1].params["view"]
    state = {
        "title": {"value": {"type": "plain_text_input", "value": "Send the proposal"}},
        "due": {"value": {"type": "datepicker", "selected_date": "2026-11-25"}},
        "priority": {"value": {"type": "static_select", "selected_option": {"value": "medium"}}},
        "links": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": "contacts:c1"}, {"value": "deals:d1"}],
            }
        },
    }
    hs.bolt.view_submission(followup.CREATE_VIEW, state, metadata=view["private_metadata"])
    [task] = hs.creates("tasks")
    props = task.body["properties"]
    assert (props["hs_task_subject"], props["hs_task_priority"], props["hs_task_status"]) == (
        "Send the proposal", "MEDIUM", "NOT_STARTED"
    )  # fmt: skip
    links = {(a["to"]["id"], a["types"][0]["associationTypeId"]) for a in task.body["associations"]}
    assert links == {(str(hs.ids["c1"]), 204), (str(hs.ids["d1"]), 216)}
    assert [e.kind for e in hs.entries()] == ["complete_task", "create_task"]


def test_without_hubspot_nothing_is_queued(
    engine: Engine,
    world: World,
    slack: FakeSlack,
    session: Session,
) -> None:
    from bot.app import build_app
    from bot.runtime import Services
    from tests.bot.app.conftest import SECRET, SlackRequests

    crm_world(world)
    settings_ = __import__("crm.config", fromlist=["Settings"]).Settings(
        slack_bot_token=slack.token, slack_api_url=slack.url, slack_signing_secret=SECRET
    )
    services = Services(engine=engine, settings=settings_, clock=lambda: NOW)
    try:
        bolt = SlackRequests(build_app(services), services, slack)
        message = send_digest(engine, slack, services)
        bolt.click(message, render.COMPLETE, "task:t1")
    finally:
        services.shutdown()
    session.rollback()
    assert session.get(Activity, "t1").status == "completed"
    assert session.scalars(select(WritebackEntry)).all() == []
