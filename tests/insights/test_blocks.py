"""Block Kit builders for insights: Slack's limits, action ids and values, escaping."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.blocks import insights as blocks
from bot.slack import limits
from insights.render import render_text
from insights.risks import Risk
from insights.service import ActivityDetail, Goal, InsightResult, RecentActivity

AT = datetime(2026, 11, 20, tzinfo=UTC)


def result(**overrides: object) -> InsightResult:
    base = dict(
        deal_id="d1",
        deal_name="Globex <!channel>",
        user_email="ana@acme.test",
        ai_used=True,
        ai_unavailable_reason=None,
        summary="Buyer wants SSO & <b>",
        activities=tuple(RecentActivity(f"a{i}", "email", AT, "Hi <@U1>") for i in range(5)),
        risks=(
            Risk("One contact only", "One.", "crm", (), "one_contact"),
            Risk("Budget", "Hm.", "model", ("a1",)),
        ),
        buyer_goals=(Goal("SSO", ("a2",)),),
        inputs_hash="h" * 64,
    )
    base.update(overrides)
    return InsightResult(**base)  # type: ignore[arg-type]


def _buttons(payload: dict) -> dict[str, str]:  # type: ignore[type-arg]
    found: dict[str, str] = {}
    for block in payload["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found.setdefault(element["action_id"], element["value"])
    return found


def test_result_message_has_sections_and_every_button() -> None:
    payload = blocks.result_message(result())
    limits.check_message(payload)
    buttons = _buttons(payload)
    assert set(buttons) == {
        blocks.OPEN_ACTIVITY,
        blocks.REFRESH,
        blocks.COPY_TEXT,
        blocks.SHARE,
        blocks.HELPFUL,
        blocks.NOT_HELPFUL,
    }
    assert blocks.parse_value(buttons[blocks.REFRESH]) == ("d1", "h" * 64)
    assert blocks.parse_open_value(buttons[blocks.OPEN_ACTIVITY]) == ("d1", "a0")
    # mrkdwn is where Slack pings and links; the header is plain_text, which Slack shows as typed.
    mrkdwn = json.dumps([b for b in payload["blocks"] if b["type"] != "header"])
    assert "<@U1>" not in mrkdwn and "&lt;@U1&gt;" in mrkdwn and "&lt;b&gt;" in mrkdwn
    assert "<!channel>" not in payload["text"]


def test_shared_message_has_no_buttons_and_unavailable_reason_is_shown() -> None:
    unavailable = result(ai_used=False, summary=None, ai_unavailable_reason="AI text is off.")
    payload = blocks.result_message(unavailable, shared=True)
    assert _buttons(payload) == {}
    assert "AI text is off." in json.dumps(payload)


def test_long_texts_stay_within_limits() -> None:
    long_risks = tuple(Risk("t" * 200, "d" * 900, "model", ("a1",) * 10) for _ in range(10))
    payload = blocks.result_message(result(deal_name="n" * 500, summary="s" * 5000, risks=long_risks))
    limits.check_message(payload)


def test_modals_validate() -> None:
    detail = ActivityDetail(
        "a1",
        "email",
        datetime(2026, 11, 20, tzinfo=UTC),
        "Re: <x>",
        "incoming",
        "hank@globex.test",
        ("ana@acme.test",),
        "body " * 1000,
    )
    limits.check_view(blocks.activity_modal(detail, "Europe/Warsaw"))
    limits.check_view(blocks.text_modal(render_text(result()) * 30))
    feedback = blocks.feedback_modal("d1", "h" * 64)
    assert feedback["callback_id"] == blocks.FEEDBACK_CALLBACK
    assert blocks.parse_value(feedback["private_metadata"]) == ("d1", "h" * 64)
    assert feedback["blocks"][0]["block_id"] == blocks.FEEDBACK_BLOCK
    limits.check_view(blocks.not_allowed_modal())


def test_refusals_say_why_and_nothing_about_the_deal() -> None:
    assert blocks.not_allowed_message()["text"] == blocks.NOT_ALLOWED
    assert "super admin" in blocks.refusal_message("Ask a super admin.")["text"]


def test_copy_as_text_lists_every_section() -> None:
    text = render_text(result())
    assert "Recent activity" in text and "Risks" in text and "Buyer goals" in text and "(AI)" in text
