"""The terminal renderer draws every block and element type, plain when piped, coloured on a terminal."""

from __future__ import annotations

import io

import pytest

from bot.render.mrkdwn import Run, parse
from bot.render.text import render_blocks, render_message, render_view, use_color
from tests.bot.render.samples import HOSTILE, every_block


def test_every_block_and_element_is_visible() -> None:
    text = render_blocks(every_block(), width=500)
    for visible in (
        "Deal review",
        "Bold italic gone code the deal (https://example.com/d?a=1&b=2)",
        HOSTILE,
        "→ [ Join ] https://meet.example/1",
        "Stage",
        "Amount: $1,200",
        "[ ⋯: Edit | Delete ]",
        "(image: a chart)",
        "Updated today",
        "(image: icon)",
        "─" * 40,
        "[ Complete ]",
        "[ Delete ]",
        "[ Snooze ▾: 1 hour | * Tomorrow ]",
        "[ Owners ▾▾: Ann | Bo ]",
        "[ ⋯: Share | Copy ]",
        "[ datepicker: 2026-11-23 ]",
        "[ timepicker: 09:30 ]",
        "[ datetimepicker: 1795000000 ]",
        "[ View as ▾ ]",
        "[ Share to ▾ ]",
        "[ [x]: Mon | Tue ]",
        "[ ( ): Now | Later ]",
        "Notes (optional)",
        "[ multi-line text: What happened? ]",
        "Shown to the deal's owner",
        "Amount",
        "(image: Pipeline) https://example.com/pipeline.png",
        "Rich text",
    ):
        assert visible in text, visible
    assert "\x1b[" not in text  # piped: no colours


def test_unknown_types_are_named_not_dropped() -> None:
    text = render_blocks([{"type": "table"}, {"type": "actions", "elements": [{"type": "icon_button"}]}])
    assert "[table block]" in text and "[icon_button]" in text


def test_colours_mark_emphasis_and_button_styles() -> None:
    text = render_blocks(every_block(), color=True)
    assert "\x1b[1mBold\x1b[0m" in text
    assert "\x1b[1;32m[ Complete ]\x1b[0m" in text
    assert "\x1b[1;31m[ Delete ]\x1b[0m" in text


def test_crm_text_cannot_carry_terminal_escapes() -> None:
    text = render_blocks(
        [{"type": "section", "text": {"type": "mrkdwn", "text": "evil\x1b[2Jname"}}], color=True
    )
    assert "\x1b" not in text and "evil[2Jname" in text


@pytest.mark.parametrize(
    ("mrkdwn", "runs"),
    [
        ("a *b* c", [Run("a "), Run("b", bold=True), Run(" c")]),
        ("2*3*4", [Run("2*3*4")]),
        ("<@U123> and <!here>", [Run("@U123"), Run(" and "), Run("@here")]),
        ("<!date^1|Mon>", [Run("Mon")]),
        ("<#C1|sales>", [Run("#sales")]),
        ("<https://x.test>", [Run("https://x.test", url="https://x.test")]),
        ("*_both_*", [Run("both", bold=True, italic=True)]),
        ("&lt;b&gt; &amp;", [Run("<b> &")]),
    ],
)
def test_mrkdwn_is_read_as_slack_reads_it(mrkdwn: str, runs: list[Run]) -> None:
    assert parse(mrkdwn) == runs


def test_a_view_shows_its_title_and_modal_buttons() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Log activity"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": every_block()[:1],
    }
    text = render_view(view)
    assert text.startswith("▌Log activity") and "[ Cancel ]  [ Save ]" in text


def test_a_message_without_blocks_shows_its_text() -> None:
    assert render_message({"text": "*hi*"}) == "hi"


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Tty()) and not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())
