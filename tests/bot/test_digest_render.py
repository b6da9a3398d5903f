"""The digest as Block Kit: layout, Slack's limits with "+N more", mrkdwn escaping, the text fallback."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from bot.digest.content import Digest, Line, Section, load_digest
from bot.digest.render import COMPLETE, DISMISS, FEEDBACK, SNOOZE, START, message_payload, render_text
from bot.lines import Part
from bot.slack import limits
from bot.slack.mrkdwn import escape, link, safe_url, truncate
from tests.bot.test_digest_content import action
from tests.conftest import NOW
from tests.rules.world import World, ago, ahead


def make_digest(**sizes: int) -> Digest:
    """A synthetic digest with ``sizes[section]`` task/action lines per section."""
    kinds = {"guided": "action", "meetings": "meeting"}
    sections = []
    for key in ("high_priority", "overdue", "today", "meetings", "guided", "tomorrow"):
        n = sizes.get(key, 0)
        kind = kinds.get(key, "task")
        lines = [
            Line(ref=f"{kind}:{key}{i}", parts=(Part(f"{key} item {i}", True),), kind=kind) for i in range(n)
        ]
        sections.append(Section(key, key.title(), lines, n))
    return Digest("u1", "Ana", "UTC", date(2026, 11, 23), NOW, "UANA", 0, 0, 0, 0, 0, sections)


def test_layout_of_lines() -> None:
    payload = message_payload(make_digest(today=1, guided=1, meetings=1))
    blocks = payload["blocks"]
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == "Ana's day · Mon 2026-11-23"
    assert blocks[1]["type"] == "context"
    task_actions = next(b for b in blocks if b.get("block_id") == "a:task:today0")
    assert [e["action_id"] for e in task_actions["elements"]] == [COMPLETE, SNOOZE]
    assert task_actions["elements"][0]["value"] == "task:today0"
    assert [o["value"] for o in task_actions["elements"][1]["options"]] == ["1h", "tomorrow", "monday"]
    guided = next(b for b in blocks if b.get("block_id") == "a:action:guided0")
    assert [e["action_id"] for e in guided["elements"]] == [COMPLETE, SNOOZE, FEEDBACK, DISMISS]
    assert [o["text"]["text"] for o in guided["elements"][2]["options"]] == ["Yes, keep it up!", "Not really"]
    assert blocks[-1]["block_id"] == "digest.home"


def test_bundle_line_has_start() -> None:
    digest = make_digest()
    digest.sections[4] = Section(
        "guided",
        "Guided",
        [Line("bundle:R06", (Part("Log meeting outcome: 3 meetings", False),), "bundle", "R06", 3)],
        1,
    )
    blocks = message_payload(digest)["blocks"]
    bundle = next(b for b in blocks if b.get("block_id") == "l:bundle:R06")
    assert bundle["accessory"]["action_id"] == START and bundle["accessory"]["value"] == "bundle:R06"


@pytest.mark.parametrize(
    "sizes",
    [
        {"overdue": 200},
        {"overdue": 40, "guided": 40, "today": 40, "tomorrow": 3, "high_priority": 30, "meetings": 25},
        {"guided": 60},
    ],
)
def test_never_over_fifty_blocks_and_overflow_is_counted(sizes: dict[str, int]) -> None:
    digest = make_digest(**sizes)
    payload = message_payload(digest)
    limits.check_message(payload)
    assert len(payload["blocks"]) <= 50
    texts = " ".join(
        e.get("text", "") for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]
    )
    for key, n in sizes.items():
        shown = sum(
            1 for b in payload["blocks"] if b.get("block_id", "").startswith("l:") and key in b["block_id"]
        )
        if shown < n:
            assert f"+{n - shown} more" in texts
    # every non-empty section keeps at least one line: a long overdue list does not crowd out the rest
    for key in sizes:
        assert any(
            key in b.get("block_id", "") for b in payload["blocks"] if b.get("block_id", "").startswith("l:")
        )


def test_long_ids_and_texts_stay_within_limits() -> None:
    long_id = "x" * 255
    digest = make_digest()
    digest.first_name = "N" * 400
    digest.sections[2] = Section(
        "today", "Today", [Line(f"task:{long_id}", (Part("t" * 5000, True),), "task")], 1
    )
    payload = message_payload(digest)
    limits.check_message(payload)
    actions = next(b for b in payload["blocks"] if b["type"] == "actions" and b["block_id"] != "digest.home")
    assert actions["elements"][0]["value"] == f"task:{long_id}"  # the full ref survives in the value


def test_limit_checker_catches_violations() -> None:
    with pytest.raises(limits.LimitExceeded, match="51 blocks"):
        limits.check_message({"text": "x", "blocks": [{"type": "divider"}] * 51})
    with pytest.raises(limits.LimitExceeded, match="duplicate block_id"):
        limits.check_message({"text": "x", "blocks": [{"type": "divider", "block_id": "a"}] * 2})
    with pytest.raises(limits.LimitExceeded, match="no fallback text"):
        limits.check_message({"text": " ", "blocks": []})


def test_crm_text_is_escaped(world: World, session: Session) -> None:
    world.contact("c1")
    world.contacts["c1"].first_name = "<!channel> & <@U999>"
    world.contacts["c1"].last_name = "<https://evil.test|click>"
    t = world.task("t1", due=ahead(hours=1), contacts=["c1"])
    t.title = "Call <!here> now"
    e = world.received("c1@globex.test")
    e.subject = "Re: <!everyone> pricing > 10%"
    action(world, "R10", "email", e.id, contact_id="c1", category="closing")
    m = world.meeting("m1", start=ahead(hours=1), link="javascript:alert(1)")
    m.title = "<b>Demo</b>"
    world.commit()
    payload = message_payload(load_digest(session, world.users["u1"], NOW))
    dumped = str(payload)
    for raw in (
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U999>",
        "<https://evil.test",
        "<b>",
        "javascript:",
    ):
        assert raw not in dumped, raw
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in dumped
    assert "&lt;!everyone&gt; pricing &gt; 10%" in dumped
    assert not any(b.get("accessory", {}).get("url") for b in payload["blocks"])  # no Join for a bad link


def test_fallback_text_is_meaningful(world: World, session: Session) -> None:
    world.users["u1"].name = "Ana <!channel> Ruiz"
    world.task("t1", due=ago(days=1))
    world.commit()
    payload = message_payload(load_digest(session, world.users["u1"], NOW))
    assert payload["text"] == (
        "Ana's day · Mon 2026-11-23: 1 overdue · 0 due today · 0 due tomorrow · 0 meetings today · "
        "0 guided actions"
    )
    assert payload["channel"] is None


def test_mrkdwn_helpers() -> None:
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert safe_url("https://x.test/a?b=1&c=2") == "https://x.test/a?b=1&amp;c=2"
    for bad in (
        "javascript:alert(1)",
        "https://x.test/a|b",
        "ftp://x.test",
        "https://x.test/<y>",
        "/relative",
        "",
    ):
        assert safe_url(bad) is None
    assert link("https://x.test", "<go>") == "<https://x.test|&lt;go&gt;>"
    assert link("nope", "<go>") == "&lt;go&gt;"
    assert truncate("abc &amp; def", 8) == "abc …"
    assert truncate("short", 10) == "short"


def test_status_lines_have_no_buttons() -> None:
    digest = make_digest()
    digest.sections[2] = Section(
        "today", "Today", [Line("task:t1", (Part("Call", True),), "task", status="completed")], 1
    )
    blocks = message_payload(digest)["blocks"]
    line = next(b for b in blocks if b.get("block_id") == "l:task:t1")
    assert line["text"]["text"] == "~Call~  _completed_"
    assert not any(b.get("block_id") == "a:task:t1" for b in blocks)


def test_terminal_text() -> None:
    text = render_text(make_digest(overdue=2, guided=1))
    assert text.splitlines()[0] == "Ana's day · Mon 2026-11-23"
    assert "  [ ] overdue item 0" in text and "  [>] guided item 0" in text
