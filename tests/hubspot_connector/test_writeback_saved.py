"""Where a change was saved, shown where the rep made it (issue 20 point 5), through the real Slack app: a
digest line says "saving to HubSpot…" and then, in the same message, "saved in HubSpot" with the record's
link; Home says the same about changes made there; the state always comes from the write-back queue."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine

from bot.blocks.home import modals as m
from bot.digest import render
from bot.writeback.messages import RETRY
from tests.bot.app.conftest import send_digest
from tests.fakes.block_kit import block_kit_errors
from tests.fakes.slack_api import FakeSlack
from tests.hubspot_connector.connected import PORTAL, Connected, crm_world, no_show_from_the_queue
from tests.rules.world import World

SAVING = "saving to HubSpot…"


def valid_blocks(blocks: list[dict[str, Any]]) -> None:
    assert block_kit_errors(blocks) == []


def task_url(hs: Connected, salesbot_id: str = "t1") -> str:
    return f"https://app.hubspot.com/contacts/{PORTAL}/record/0-27/{hs.ids[salesbot_id]}"


def test_a_digest_click_says_saving_then_saved_in_the_same_message_with_the_records_link(
    hs: Connected,
) -> None:
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")

    saving, saved = hs.slack.calls("chat.update")
    assert {(u.params["channel"], u.params["ts"]) for u in (saving, saved)} == {(message.channel, message.ts)}
    assert hs.line(saving, "task:t1").endswith(f"_completed_  ·  _{SAVING}_")
    assert hs.line(saved, "task:t1").endswith(f"_completed_  ·  <{task_url(hs)}|saved in HubSpot>")
    for update in (saving, saved):
        valid_blocks(update.params["blocks"])
    assert not any("saved in HubSpot" in line for line in hs.told())  # the line says it: no extra message


def test_the_saved_state_comes_from_the_queue_so_the_clock_process_updates_the_line(hs: Connected) -> None:
    from bot.writeback.runner import writeback_tick

    assert hs.services.writeback is not None
    hs.services.writeback.pool.shutdown()  # the web process dies after the commit, before the send
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    [saving] = hs.slack.calls("chat.update")
    assert SAVING in hs.line(saving, "task:t1")

    hs.later(minutes=1)
    writeback_tick(hs.engine, _client(hs), hs.settings, lambda: hs.clock[0])

    saved = hs.slack.calls("chat.update")[-1]
    assert (saved.params["channel"], saved.params["ts"]) == (message.channel, message.ts)
    assert f"<{task_url(hs)}|saved in HubSpot>" in hs.line(saved, "task:t1")


def test_when_the_digest_message_is_gone_a_private_message_says_saved_instead(hs: Connected) -> None:
    from bot.writeback.runner import writeback_tick

    assert hs.services.writeback is not None
    hs.services.writeback.pool.shutdown()
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    hs.slack.fail("chat.update", error="message_not_found")  # the rep deleted the digest meanwhile

    hs.later(minutes=1)
    writeback_tick(hs.engine, _client(hs), hs.settings, lambda: hs.clock[0])

    assert hs.told()[-1] == f"Task completed: saved in HubSpot. <{task_url(hs)}|Open in HubSpot>"


def _client(hs: Connected) -> Any:
    from bot.slack.client import web_client

    return web_client(settings=hs.settings)


def test_a_conflict_redraws_the_line_with_hubspots_value_and_why_without_another_message(
    hs: Connected,
) -> None:
    hs.hubspot.state.change("tasks", hs.ids["t1"], {"hs_task_status": "COMPLETED"})
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.SNOOZE, "task:t1", selected="1h")

    saving, conflict = hs.slack.calls("chat.update")
    assert SAVING in hs.line(saving, "task:t1") and "_snoozed until" in hs.line(saving, "task:t1")
    line = hs.line(conflict, "task:t1")
    assert "_completed_" in line  # HubSpot's value
    assert "Salesbot took HubSpot's: the task is already completed in HubSpot." in line
    assert f"<{task_url(hs)}|Open in HubSpot>" in line
    valid_blocks(conflict.params["blocks"])
    assert not any("HubSpot" in line for line in hs.told())


def test_a_final_failure_says_not_saved_on_the_line_and_privately_with_retry_then_saved_after_it(
    hs: Connected,
) -> None:
    hs.hubspot.fail(403, times=1, path=f"/crm/v3/objects/tasks/{hs.ids['t1']}")
    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")

    failed = hs.slack.calls("chat.update")[-1]
    assert "not saved in HubSpot" in hs.line(failed, "task:t1") and SAVING not in hs.line(failed, "task:t1")
    valid_blocks(failed.params["blocks"])
    private = next(
        c for c in hs.slack.calls("chat.postEphemeral") if "Not saved in HubSpot" in str(c.params["text"])
    )
    [button] = [e for b in private.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert button["action_id"] == RETRY

    hs.bolt.message_click(RETRY, value=button["value"])

    *_, again, saved = hs.slack.calls("chat.update")
    assert hs.line(again, "task:t1").endswith(f"_{SAVING}_")  # the Retry redraws the line as saving
    assert f"<{task_url(hs)}|saved in HubSpot>" in hs.line(saved, "task:t1")
    assert "Saving it in HubSpot again..." not in hs.told()


def _stage(value: str) -> dict[str, Any]:
    return {m.STAGE[0]: {m.STAGE[1]: {"type": "static_select", "selected_option": {"value": value}}}}


def test_a_home_modal_republishes_home_saying_saving_then_saved_with_the_deals_link(hs: Connected) -> None:
    home = json.dumps({"tab": "deals"}, separators=(",", ":"))
    hs.bolt.view_submission(m.DEAL_STAGE_VIEW, _stage("s2"), metadata=m.metadata("deal:d1", home))

    saving, saved = hs.slack.calls("views.publish")
    deal_url = f"https://app.hubspot.com/contacts/{PORTAL}/record/0-3/{hs.ids['d1']}"
    assert f"*Deal stage*: _{SAVING}_" in json.dumps(saving.params["view"], ensure_ascii=False)
    assert f"*Deal stage*: <{deal_url}|saved in HubSpot>" in json.dumps(saved.params["view"])
    assert saved.params["view"]["private_metadata"] == home  # the tab the rep was on
    for publish in (saving, saved):
        valid_blocks(publish.params["view"]["blocks"])
    assert hs.told() == []  # Home says it

    hs.bolt.event({"type": "app_home_opened", "user": "UANA", "tab": "home"})  # later: read from the store
    assert f"<{deal_url}|saved in HubSpot>" in json.dumps(hs.slack.calls("views.publish")[-1].params["view"])


def test_a_follow_up_task_says_saving_then_a_private_message_says_saved_with_its_link(hs: Connected) -> None:
    from bot.blocks import followup

    message = send_digest(hs.engine, hs.slack, hs.services)
    hs.bolt.click(message, render.COMPLETE, "task:t1")
    prompt = next(
        e["value"]
        for c in hs.slack.calls("chat.postEphemeral")
        for b in c.params.get("blocks") or []
        for e in b.get("elements", [])
        if isinstance(e, dict) and e.get("action_id") == followup.CREATE
    )
    hs.bolt.click(message, followup.CREATE, "task:t1", value=prompt)
    view = hs.slack.calls("views.update")[-1].params["view"]
    state = {
        "title": {"value": {"type": "plain_text_input", "value": "Send the proposal"}},
        "due": {"value": {"type": "datepicker", "selected_date": "2026-11-25"}},
    }
    hs.bolt.view_submission(followup.CREATE_VIEW, state, metadata=view["private_metadata"])

    created = [t for t in hs.told() if t.startswith("Task created")]
    [entry] = [e for e in hs.entries() if e.kind == "create_task"]
    url = f"https://app.hubspot.com/contacts/{PORTAL}/record/0-27/{entry.hubspot_id}"
    assert created == [
        "Task created: Send the proposal (due 2026-11-25). Saving to HubSpot…",
        f"Task created: saved in HubSpot. <{url}|Open in HubSpot>",
    ]


def test_a_queue_step_says_saving_to_hubspot_in_the_modal(hs: Connected) -> None:
    no_show_from_the_queue(hs, hs.clock[0])

    step = hs.slack.calls("views.update")[-1].params["view"]
    assert "Saving to HubSpot…" in json.dumps(step, ensure_ascii=False)
    valid_blocks(step["blocks"])
    assert any(t.startswith("Outcome logged: saved in HubSpot.") for t in hs.told())


def test_without_hubspot_no_line_or_home_says_anything_about_hubspot(
    engine: Engine,
    world: World,
    slack: FakeSlack,
) -> None:
    from bot.app import build_app
    from bot.runtime import Services
    from crm.config import Settings
    from tests.bot.app.conftest import SECRET, SlackRequests
    from tests.conftest import NOW

    crm_world(world)
    settings = Settings(slack_bot_token=slack.token, slack_api_url=slack.url, slack_signing_secret=SECRET)
    services = Services(engine=engine, settings=settings, clock=lambda: NOW)
    try:
        bolt = SlackRequests(build_app(services), services, slack)
        message = send_digest(engine, slack, services)
        bolt.click(message, render.COMPLETE, "task:t1")
        bolt.view_submission(m.DEAL_STAGE_VIEW, _stage("s2"), metadata=m.metadata("deal:d1", ""))
    finally:
        services.shutdown()
    [update] = slack.calls("chat.update")
    [publish] = slack.calls("views.publish")
    assert "_completed_" in json.dumps(update.params["blocks"])
    assert "HubSpot" not in json.dumps(update.params) + json.dumps(publish.params)


def test_log_to_crm_says_saving_then_a_private_message_says_saved_with_the_notes_link(hs: Connected) -> None:
    from tests.bot.channels.test_log_to_crm_app import submit

    submit(hs.bolt, "deal:d1", "Pricing question")

    [entry] = hs.entries()
    url = f"https://app.hubspot.com/contacts/{PORTAL}/record/0-46/{entry.hubspot_id}"
    assert hs.told() == [
        "Saved the message as a note on the deal. Saving to HubSpot…",
        f"Activity logged: saved in HubSpot. <{url}|Open in HubSpot>",
    ]
