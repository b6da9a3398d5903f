"""Block Kit drawn for a terminal: the one text view of every Slack surface (``digest``, ``home``,
``insights``, the demo).

It renders the exact payload Slack gets (what was cut to fit is cut here too) and shows every element:
buttons (``[ Complete ]``, styled when coloured), URL buttons with their address, selects and overflow menus
with their choices (the chosen one marked), inputs with their label, placeholder and hint, date and time
pickers, checkboxes and radio buttons, context lines, images by their alt text, dividers. mrkdwn becomes
terminal emphasis (bold, italic, strike, links as text and URL) with ANSI colours when ``color`` is set
(stdout is a terminal and ``NO_COLOR`` unset), plain text otherwise. Unknown block or element types are
named rather than dropped, so a new builder never disappears from the preview silently.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterable
from typing import Any, TextIO

from bot.render.mrkdwn import Run, clean, parse

WIDTH = 100
_RESET = "\x1b[0m"
_STYLES = {"bold": "1", "italic": "3", "strike": "9", "code": "36", "link": "4;34", "dim": "2"}
_BUTTON = {"primary": "1;32", "danger": "1;31", None: "1"}


def use_color(stream: TextIO) -> bool:
    """Colours only for a terminal, and never when ``NO_COLOR`` is set (no-color.org)."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


class _Pen:
    def __init__(self, color: bool) -> None:
        self.color = color

    def paint(self, text: str, *codes: str) -> str:
        codes = tuple(c for c in codes if c)
        if not self.color or not codes or not text:
            return text
        return f"\x1b[{';'.join(codes)}m{text}{_RESET}"

    def runs(self, runs: Iterable[Run]) -> str:
        out = []
        for run in runs:
            codes = [_STYLES[name] for name in ("bold", "italic", "strike", "code") if getattr(run, name)]
            if run.url is not None:
                label = self.paint(run.text, *codes, _STYLES["link"])
                out.append(label if run.text == run.url else f"{label} ({run.url})")
            else:
                out.append(self.paint(run.text, *codes))
        return "".join(out)

    def text(self, obj: Any) -> str:
        """A text object (plain_text or mrkdwn) as terminal text."""
        if not isinstance(obj, dict):
            return clean(str(obj or ""))
        raw = str(obj.get("text", ""))
        return self.runs(parse(raw)) if obj.get("type") == "mrkdwn" else clean(raw)


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def chosen_values(element: dict[str, Any]) -> set[str]:
    initial = element.get("initial_options") or []
    if element.get("initial_option"):
        initial = [element["initial_option"]]
    return {str(o.get("value")) for o in initial}


def element_text(element: dict[str, Any], pen: _Pen) -> str:
    """One interactive element on one line."""
    kind = element.get("type", "?")
    if kind in ("button", "workflow_button"):
        label = pen.paint(f"[ {pen.text(element.get('text'))} ]", _BUTTON.get(element.get("style"), "1"))
        return f"{label} {element['url']}" if element.get("url") else label
    if kind in ("static_select", "multi_static_select", "overflow", "radio_buttons", "checkboxes"):
        chosen = chosen_values(element)
        choices = " | ".join(
            ("* " if str(o.get("value")) in chosen else "") + pen.text(o.get("text"))
            for o in options_of(element)
        )
        name = {"overflow": "⋯", "radio_buttons": "( )", "checkboxes": "[x]"}.get(kind)
        if name is None:
            name = pen.text(element.get("placeholder")) or "Select"
            name += " ▾" if kind == "static_select" else " ▾▾"
        return f"[ {name}: {choices} ]"
    if kind in ("datepicker", "timepicker", "datetimepicker"):
        value = element.get("initial_date") or element.get("initial_time") or element.get("initial_date_time")
        shown = value if value is not None else pen.text(element.get("placeholder")) or kind
        return f"[ {kind}: {shown} ]"
    if kind.endswith("_select") or kind.endswith("_multi_select"):
        initial = (
            element.get("initial_user")
            or element.get("initial_users")
            or element.get("initial_conversation")
            or element.get("initial_channel")
            or element.get("initial_option", {}).get("value")
        )
        hint = pen.text(element.get("placeholder")) or kind.replace("_", " ")
        return f"[ {hint} ▾{f': {initial}' if initial else ''} ]"
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"):
        value = element.get("initial_value")
        shown = (
            clean(str(value)) if value is not None else pen.paint(pen.text(element.get("placeholder")), "2")
        )
        lines = "multi-line " if element.get("multiline") else ""
        return f"[ {lines}text: {shown} ]"
    if kind == "image":
        return f"(image: {clean(str(element.get('alt_text', '')))})"
    if kind in ("mrkdwn", "plain_text"):
        return pen.text(element)
    return f"[{kind}]"


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.splitlines() or [""]]


def _rich_text(element: dict[str, Any]) -> str:
    parts: list[str] = []
    for item in element.get("elements") or []:
        if "elements" in item:
            parts.append(_rich_text(item))
        else:
            parts.append(clean(str(item.get("text") or item.get("url") or item.get("name") or "")))
    return "".join(parts)


def block_lines(block: dict[str, Any], pen: _Pen) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return ["", pen.paint(pen.text(block.get("text")), "1;4")]
    if kind == "divider":
        return [pen.paint("─" * 40, "2")]
    if kind == "section":
        out = _indent(pen.text(block["text"]), "") if block.get("text") else []
        fields = [pen.text(f) for f in block.get("fields") or []]
        for left, right in zip(fields[::2], [*fields[1::2], ""], strict=False):
            out.append(f"  {left}   {right}".rstrip())
        if block.get("accessory"):
            out.append("    → " + element_text(block["accessory"], pen))
        return out
    if kind == "context":
        return ["  " + pen.paint("  ·  ".join(element_text(e, pen) for e in block.get("elements", [])), "2")]
    if kind == "actions":
        return ["  " + "  ".join(element_text(e, pen) for e in block.get("elements", []))]
    if kind == "input":
        label = pen.text(block.get("label"))
        optional = " (optional)" if block.get("optional") else ""
        out = [f"{pen.paint(label, '1')}{optional}", "  " + element_text(block.get("element", {}), pen)]
        if block.get("hint"):
            out.append("  " + pen.paint(pen.text(block["hint"]), "2"))
        return out
    if kind == "image":
        title = pen.text(block.get("title")) if block.get("title") else clean(str(block.get("alt_text", "")))
        return [f"(image: {title}) {block.get('image_url', '')}".rstrip()]
    if kind == "rich_text":
        return _indent(_rich_text(block), "")
    if kind == "markdown":
        return _indent(pen.runs(parse(str(block.get("text", "")))), "")
    if kind in ("video", "file"):
        return [
            f"({kind}: {clean(str(block.get('title', {}).get('text', '') or block.get('external_id', '')))})"
        ]
    return [f"[{kind} block]"]


def render_blocks(blocks: list[dict[str, Any]], *, color: bool = False, width: int = WIDTH) -> str:
    pen = _Pen(color)
    out: list[str] = []
    for block in blocks:
        for line in block_lines(block, pen):
            # Wrap long plain lines for reading; coloured lines keep their escapes intact.
            if not color and len(line) > width and not line.lstrip().startswith("["):
                indent = line[: len(line) - len(line.lstrip())]
                out += textwrap.wrap(line, width, subsequent_indent=indent + "  ") or [line]
            else:
                out.append(line)
    while out and not out[0]:
        out.pop(0)
    return "\n".join(out)


def render_message(payload: dict[str, Any], *, color: bool = False) -> str:
    """A ``chat.postMessage`` / ``chat.postEphemeral`` payload (its blocks, else its text)."""
    if payload.get("blocks"):
        return render_blocks(payload["blocks"], color=color)
    return _Pen(color).runs(parse(str(payload.get("text", ""))))


def render_view(view: dict[str, Any], *, color: bool = False) -> str:
    """A ``views.publish`` / ``views.open`` view: its title and buttons (modals), then its blocks."""
    pen = _Pen(color)
    out: list[str] = []
    if view.get("title"):
        out.append(pen.paint(f"▌{pen.text(view['title'])}", "1"))
    out.append(render_blocks(view.get("blocks", []), color=color))
    buttons = [pen.text(view[key]) for key in ("close", "submit") if view.get(key)]
    if buttons:
        out.append("  " + "  ".join(f"[ {b} ]" for b in buttons))
    return "\n".join(out)
