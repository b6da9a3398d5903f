"""A Slack message as the text of a CRM note: Slack's markup turned into plain words, so the note reads well
anywhere and, shown in Slack again (always escaped), pings nobody and links nowhere unexpected.

``<@U123>`` becomes ``@Name`` (the CRM user's name when known, else the id), ``<!here>`` ``@here``,
``<#C1|sales>`` ``#sales``, ``<https://x|label>`` ``label (https://x)``, and ``&lt;`` ``&gt;`` ``&amp;``
the characters they stand for. The permalink to the message ends the note.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))
NOTE_LIMIT = 3000  # a plain_text_input's initial value


def mentioned(text: str) -> list[str]:
    """The Slack user ids the message mentions."""
    return [m[1:].split("|")[0] for m in _TOKEN.findall(text or "") if m.startswith("@")]


def _token(inner: str, names: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (names.get(target[1:]) or label or target[1:])
    if target.startswith("!"):
        word = label or target[1:].split("^")[0]
        return word if word.startswith("@") else "@" + word
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    return f"{label} ({target})" if label and label != target else target


def plain(text: str, names: Mapping[str, str]) -> str:
    out = _TOKEN.sub(lambda m: _token(m[1], names), text or "")
    for entity, char in _ENTITIES:
        out = out.replace(entity, char)
    return out.strip()


def note_text(text: str, permalink: str | None, names: Mapping[str, str]) -> str:
    tail = f"\n\nFrom Slack: {permalink}" if permalink else ""
    body = plain(text, names)
    room = NOTE_LIMIT - len(tail)
    if len(body) > room:
        body = body[: room - 1] + "…"
    return (body + tail).strip()
