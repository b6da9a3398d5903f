"""Slack's mrkdwn parsed into styled runs, for the terminal and the HTML preview alike.

``parse(text)`` yields :class:`Run` pieces: plain text, bold, italic, strike, code, or a link (label + URL).
Entities (``&amp;``, ``&lt;``, ``&gt;``) are decoded; mentions and special commands keep their fallback
text (``<@U1>`` -> ``@U1``, ``<!here>`` -> ``@here``, ``<!date^...|fallback>`` -> ``fallback``). Control
characters are dropped, so text from the CRM cannot smuggle terminal escape sequences into a preview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# <target|label> or <target>; then the emphasis markers at word edges, as Slack reads them.
_TOKEN = re.compile(
    r"<(?P<target>[^<>|]+)(?:\|(?P<label>[^<>]*))?>"
    r"|```(?P<pre>.+?)```"
    r"|`(?P<code>[^`\n]+)`"
    r"|(?<![\w*])\*(?P<bold>[^*\n]*?\S)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>[^_\n]*?\S)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>[^~\n]*?\S)~(?![\w~])",
    re.DOTALL,
)


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    strike: bool = False
    code: bool = False
    url: str | None = None


def decode(text: str) -> str:
    return _CONTROL.sub("", text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def clean(text: str) -> str:
    """Plain text (a ``plain_text`` object) without control characters."""
    return _CONTROL.sub("", text)


def _special(target: str, label: str | None) -> Run:
    if target.startswith("@"):
        return Run(decode(label or target))
    if target.startswith("#"):
        return Run(decode("#" + label if label else target))
    if target.startswith("!"):
        if label:
            return Run(decode(label))
        return Run("@" + decode(target[1:].split("^")[0]))
    url = decode(target)
    return Run(decode(label) if label else url, url=url)


def parse(text: str, *, bold: bool = False, italic: bool = False, strike: bool = False) -> list[Run]:
    runs: list[Run] = []
    at = 0
    for match in _TOKEN.finditer(text):
        if match.start() > at:
            runs.append(Run(decode(text[at : match.start()]), bold=bold, italic=italic, strike=strike))
        groups = match.groupdict()
        if groups["target"] is not None:
            link = _special(groups["target"], groups["label"])
            runs.append(Run(link.text, bold=bold, italic=italic, strike=strike, url=link.url))
        elif groups["pre"] is not None or groups["code"] is not None:
            runs.append(Run(decode(groups["pre"] or groups["code"]), code=True))
        elif groups["bold"] is not None:
            runs += parse(groups["bold"], bold=True, italic=italic, strike=strike)
        elif groups["italic"] is not None:
            runs += parse(groups["italic"], bold=bold, italic=True, strike=strike)
        else:
            runs += parse(groups["strike"], bold=bold, italic=italic, strike=True)
        at = match.end()
    if at < len(text):
        runs.append(Run(decode(text[at:]), bold=bold, italic=italic, strike=strike))
    return [run for run in runs if run.text]
