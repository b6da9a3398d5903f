"""Escaping text from the CRM (or a model) for Slack's mrkdwn.

Slack's rule is three entities: ``&`` → ``&amp;``, ``<`` → ``&lt;``, ``>`` → ``&gt;``. With them escaped, a
contact named ``<!channel>`` or ``<@U123>`` shows as that text and pings nobody, and ``<http://x|y>``
cannot become a link. Links Salesbot itself makes go through :func:`link`, which only accepts http(s) URLs
and escapes the label.
"""

from __future__ import annotations

from urllib.parse import urlsplit

_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape(text: str | None) -> str:
    return (text or "").translate(_ENTITIES)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL that cannot break out of ``<...|...>``, else None."""
    if not url:
        return None
    url = url.strip()
    if any(c in url for c in "<>| \t\r\n"):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.replace("&", "&amp;")


# Slack has no escape for "|" and splits a link at it: in a label it is shown as a look-alike bar (U+2223).
_LABEL_BAR = str.maketrans({"|": "\u2223"})


def link(url: str | None, label: str) -> str:
    """A mrkdwn link to a safe URL, or just the escaped label when the URL is not one."""
    target = safe_url(url)
    if not target:
        return escape(label)
    return f"<{target}|{escape(label).translate(_LABEL_BAR)}>"


def truncate(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """``text`` cut to at most ``limit`` characters, never inside an ``&...;`` entity or a ``<...>`` link
    (escaped text has no bare ``<``, so one opens a link Salesbot made: cut before it)."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))]
    opened = cut.rfind("<")
    if opened != -1 and ">" not in cut[opened:]:
        cut = cut[:opened]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + ellipsis
