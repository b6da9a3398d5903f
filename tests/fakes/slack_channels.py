"""The channel side of the fake Slack Web API (``tests.fakes.slack_api.FakeSlack`` answers through it):
``conversations.members`` (paginated with ``limit`` and ``cursor``), ``conversations.info``
(``is_ext_shared`` for Slack Connect), ``chat.unfurl`` (each unfurl checked against Block Kit limits, like
messages), ``chat.getPermalink``, and ``users.info`` for bots.

Tests set ``fake.channels[id] = Channel(members=[...], external=True)`` and ``fake.bots``; unfurls land in
``fake.unfurls`` (the ``unfurls`` argument of every accepted call).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.slack import limits


@dataclass
class Channel:
    members: list[str] = field(default_factory=list)
    external: bool = False
    private: bool = False


class _Fake(Protocol):
    channels: dict[str, Channel]
    bots: set[str]
    unfurls: list[dict[str, Any]]
    rejected: list[tuple[str, str]]


def answer(fake: _Fake, method: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to a channel method, or None when ``method`` is not one of them."""
    if method == "conversations.members":
        channel = fake.channels.get(str(params.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        start = int(params.get("cursor") or 0)
        page = channel.members[start : start + limit]
        following = start + limit if start + limit < len(channel.members) else None
        return {
            "ok": True,
            "members": page,
            "response_metadata": {"next_cursor": str(following) if following is not None else ""},
        }
    if method == "conversations.info":
        name = str(params.get("channel", ""))
        channel = fake.channels.get(name)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {
            "ok": True,
            "channel": {
                "id": name,
                "is_channel": not channel.private,
                "is_private": channel.private,
                "is_ext_shared": channel.external,
                "is_shared": channel.external,
            },
        }
    if method == "users.info" and params.get("user") in fake.bots:
        return {"ok": True, "user": {"id": params["user"], "is_bot": True, "profile": {}}}
    if method == "chat.unfurl":
        return _unfurl(fake, params)
    if method == "chat.getPermalink":
        ts = str(params.get("message_ts", ""))
        return {
            "ok": True,
            "channel": params.get("channel"),
            "permalink": f"https://acme.slack.com/archives/{params.get('channel')}/p{ts.replace('.', '')}",
        }
    return None


def _unfurl(fake: _Fake, params: dict[str, Any]) -> dict[str, Any]:
    unfurls = params.get("unfurls")
    by_message = params.get("channel") and params.get("ts")
    by_id = params.get("unfurl_id") and params.get("source")
    if not isinstance(unfurls, dict) or not (by_message or by_id):
        return {"ok": False, "error": "invalid_arguments"}
    for unfurl in unfurls.values():
        try:
            limits.check_message({"text": "unfurl", "blocks": unfurl.get("blocks") or []})
        except limits.LimitExceeded:
            fake.rejected.append(("chat.unfurl", "invalid_blocks"))
            return {"ok": False, "error": "invalid_unfurls"}
    fake.unfurls.append(params)
    return {"ok": True}
