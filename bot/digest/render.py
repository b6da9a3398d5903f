"""A :class:`~bot.digest.content.Digest` laid out: the ``chat.postMessage`` payload (Block Kit built with
``slack_sdk.models.blocks``) and the plain text a terminal shows.

Layout (docs/architecture.md, "Flow 2"): a header with the first name and the local date, a context line of
counts, then the sections in order, each a title line, its lines and, when not all fit, "+N more ...". A task
or guided-action line is a section block and an actions block (Complete, Snooze menu; for guided actions
also the feedback menu and Dismiss); a bundled rule is one line with "Start"; a meeting has its local times
and a "Join" button when its link is a web address. The last block opens the Home tab.

Slack allows 50 blocks per message: lines are handed out one section at a time, round-robin, so a long
overdue list cannot push guided actions out of the message; what does not fit is counted. Every text from
the CRM is escaped for mrkdwn; a deal, contact or company name links to its record (``Part.url``), and a
line too long for a section is cut before a link, never inside one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.blocks.writeback import saved_mrkdwn, saved_plain
from bot.digest.content import Digest
from bot.lines import Line, Part
from bot.slack import limits
from bot.slack.mrkdwn import escape, link, safe_url, truncate
from crm.localtime import format_day

# action_ids the interactivity listeners (bot/app) answer to.
COMPLETE = "digest.complete"
SNOOZE = "digest.snooze"
FEEDBACK = "digest.feedback"
DISMISS = "digest.dismiss"
START = "digest.start"
JOIN = "digest.join"
OPEN_HOME = "digest.open_home"

SNOOZE_OPTIONS = (("1h", "1 hour"), ("tomorrow", "Tomorrow at digest time"), ("monday", "Next Monday"))
FEEDBACK_OPTIONS = (("keep_it_up", "Yes, keep it up!"), ("not_really", "Not really"))

MORE_NOUNS = {
    "high_priority": "high-priority",
    "overdue": "overdue",
    "today": "due today",
    "meetings": "meetings",
    "guided": "guided actions",
    "tomorrow": "due tomorrow",
}

FIXED_BLOCKS = 3  # header, counts, the Home button


def counts_line(digest: Digest) -> str:
    def n(count: int, one: str, many: str | None = None) -> str:
        return f"{count} {one if count == 1 else (many or one)}"

    return " · ".join(
        (
            n(digest.overdue, "overdue"),
            n(digest.due_today, "due today"),
            n(digest.due_tomorrow, "due tomorrow"),
            n(digest.meetings_today, "meeting today", "meetings today"),
            n(digest.guided_actions, "guided action", "guided actions"),
        )
    )


def header_text(digest: Digest) -> str:
    date_text = f" · {format_day(digest.local_date)}"
    name = digest.first_name[: limits.HEADER_TEXT - len(date_text) - 10]
    return f"{name}'s day{date_text}"


def fallback_text(digest: Digest) -> str:
    """What a notification shows: the date and the counts."""
    return escape(f"{header_text(digest)}: {counts_line(digest)}")


def part_mrkdwn(part: Part) -> str:
    """A part of a line as mrkdwn: CRM text escaped, a named record linked to it."""
    if part.url:
        return link(part.url, part.text)
    return escape(part.text) if part.from_crm else part.text


def line_mrkdwn(line: Line) -> str:
    text = "".join(part_mrkdwn(part) for part in line.parts)
    # The HubSpot note goes last but is kept whole: a long line is cut before it, not the note.
    note = f"  ·  {saved_mrkdwn(line.saved)}" if line.saved is not None else ""
    if line.status:
        return truncate(f"~{text}~  _{line.status}_", limits.TEXT - len(note)) + note
    return truncate(text, limits.TEXT - len(note)) + note


def _block_id(prefix: str, ref: str) -> str:
    block_id = f"{prefix}:{ref}"
    if len(block_id) <= limits.BLOCK_ID:
        return block_id
    # An id too long for a block_id: the block's Complete button still carries the full ref in its value.
    return f"{prefix}#{hashlib.sha1(ref.encode()).hexdigest()}"


def line_block_id(ref: str) -> str:
    """The block id of the line ``ref`` (its section block)."""
    return _block_id("l", ref)


def _line_cost(line: Line) -> int:
    return 2 if line.kind in ("task", "action") and not line.status else 1


def allocate(digest: Digest, max_blocks: int = limits.MESSAGE_BLOCKS) -> dict[str, int]:
    """How many lines of each section fit, handed out round-robin in section order."""
    sections = [s for s in digest.sections if s.total]
    shown = {s.key: 0 for s in sections}
    # Blocks so far: the fixed ones, and per section its title and "+N more" (every section starts with more).
    used = FIXED_BLOCKS + 2 * len(sections)
    progress = True
    while progress:
        progress = False
        for s in sections:
            k = shown[s.key]
            if k < len(s.lines):
                # One more line: its blocks, and the "+N more" goes away when it was the last one.
                cost = _line_cost(s.lines[k]) - (1 if k + 1 == s.total else 0)
                if used + cost <= max_blocks:
                    shown[s.key] = k + 1
                    used += cost
                    progress = True
    return shown


class _SerialisedOnce(JsonObject):
    """A piece that is the same on every line (the Snooze and feedback menus, button labels): slack_sdk
    validates and serialises it once, and each use gets its own copy of that dict, so a payload shares no
    objects between blocks. Half the time of a payload went to re-validating these identical pieces.

    One instance is shared by every line of every digest: once serialised it refuses changes (build a new
    element for a different menu)."""

    _validated: str | None = None

    def to_dict(self, *args: Any) -> dict[str, Any]:
        if self._validated is None:
            self._validated = json.dumps(super().to_dict(*args))
        copied: dict[str, Any] = json.loads(self._validated)
        return copied

    def __setattr__(self, name: str, value: Any) -> None:
        if self._validated is not None:
            raise AttributeError(f"{type(self).__name__} is shared by every digest line: build a new one")
        super().__setattr__(name, value)


class _SameMenu(_SerialisedOnce, StaticSelectElement):
    pass


class _SameLabel(_SerialisedOnce, PlainTextObject):
    pass


def _serialised(piece: _SerialisedOnce) -> _SerialisedOnce:
    piece.to_dict()  # validated now, and frozen from here on
    return piece


@cache
def snooze_menu() -> StaticSelectElement:
    """The Snooze menu of every task and guided-action line (shared: do not change it)."""
    return _shared_menu("Snooze", SNOOZE, SNOOZE_OPTIONS)


@cache
def feedback_menu() -> StaticSelectElement:
    """The feedback menu of every guided-action line (shared: do not change it)."""
    return _shared_menu("Helpful?", FEEDBACK, FEEDBACK_OPTIONS)


def _shared_menu(placeholder: str, action_id: str, options: Sequence[tuple[str, str]]) -> StaticSelectElement:
    menu = _SameMenu(
        placeholder=PlainTextObject(text=placeholder),
        action_id=action_id,
        options=[Option(value=value, label=label) for value, label in options],
    )
    return cast(StaticSelectElement, _serialised(menu))


@cache
def button_label(text: str) -> PlainTextObject:
    """A button's text as ``ButtonElement(text="...")`` makes it (plain text, emoji on)."""
    return cast(PlainTextObject, _serialised(_SameLabel(text=text, emoji=True)))


def line_blocks(line: Line) -> list[Block]:
    text = MarkdownTextObject(text=line_mrkdwn(line))
    if line.kind == "meeting":
        url = safe_url(line.url)
        accessory = (
            ButtonElement(text="Join", action_id=JOIN, url=line.url, value=line.ref)
            if url and line.url and len(line.url) <= limits.BUTTON_URL
            else None
        )
        return [SectionBlock(block_id=_block_id("l", line.ref), text=text, accessory=accessory)]
    if line.status:
        return [SectionBlock(block_id=_block_id("l", line.ref), text=text)]
    if line.kind == "bundle":
        start = ButtonElement(text="Start", action_id=START, value=line.ref, style="primary")
        return [SectionBlock(block_id=_block_id("l", line.ref), text=text, accessory=start)]
    elements: list[Any] = [
        ButtonElement(text=button_label("Complete"), action_id=COMPLETE, value=line.ref, style="primary"),
        snooze_menu(),
    ]
    if line.kind == "action":
        elements += [
            feedback_menu(),
            ButtonElement(text=button_label("Dismiss"), action_id=DISMISS, value=line.ref),
        ]
    return [
        SectionBlock(block_id=_block_id("l", line.ref), text=text),
        ActionsBlock(block_id=_block_id("a", line.ref), elements=elements),
    ]


def build_blocks(digest: Digest, *, home_url: str | None = None) -> list[Block]:
    shown = allocate(digest)
    blocks: list[Block] = [
        HeaderBlock(block_id="digest.header", text=PlainTextObject(text=header_text(digest), emoji=False)),
        ContextBlock(block_id="digest.counts", elements=[MarkdownTextObject(text=counts_line(digest))]),
    ]
    for section in digest.sections:
        if not section.total:
            continue
        blocks.append(
            SectionBlock(
                block_id=f"s:{section.key}",
                text=MarkdownTextObject(text=f"*{section.title}* ({section.total})"),
            )
        )
        lines = section.lines[: shown[section.key]]
        for line in lines:
            blocks += line_blocks(line)
        more = section.total - len(lines)
        if more:
            blocks.append(
                ContextBlock(
                    block_id=f"m:{section.key}",
                    elements=[MarkdownTextObject(text=f"+{more} more {MORE_NOUNS[section.key]} in Home")],
                )
            )
    home = ButtonElement(text="Open Salesbot Home", action_id=OPEN_HOME, value="home", url=home_url)
    blocks.append(ActionsBlock(block_id="digest.home", elements=[home]))
    return blocks


def message_payload(digest: Digest, *, home_url: str | None = None) -> dict[str, Any]:
    """The ``chat.postMessage`` arguments: ``{"channel", "text", "blocks"}``, within Slack's limits."""
    payload = {
        "channel": digest.channel,
        "text": fallback_text(digest),
        "blocks": [block.to_dict() for block in build_blocks(digest, home_url=home_url)],
    }
    limits.check_message(payload)
    return payload


def payload_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False)


def render_text(digest: Digest, *, width_hint: int = 110, lines_per_section: int | None = None) -> str:
    """The digest for a terminal, plain text: every line, or the first ``lines_per_section`` of each."""
    out = [header_text(digest), counts_line(digest)]
    if digest.is_empty:
        out.append("Nothing due today.")
    for section in digest.sections:
        if not section.total:
            continue
        out.append("")
        out.append(f"{section.title} ({section.total})")
        lines = section.lines[:lines_per_section]
        for line in lines:
            marker = {"task": "[ ]", "action": "[>]", "bundle": "[*]", "meeting": "   "}[line.kind]
            text = line.plain
            if line.kind == "meeting" and safe_url(line.url):
                text += f"  {line.url}"
            if line.status:
                text += f"  ({line.status})"
            if line.saved is not None:
                text += f"  [{saved_plain(line.saved)}]"
            out.append(f"  {marker} {truncate(text, width_hint)}")
        more = section.total - len(lines)
        if more:
            out.append(f"      +{more} more {MORE_NOUNS[section.key]}")
    return "\n".join(out)
