"""What a ``link_shared`` event unfurls to: for each of the first ``MAX_LINKS`` links that name an existing
CRM record, the full card when the org allows it and every reader of the channel may view the record, the
minimal card otherwise (always in a Slack Connect channel, or with ``org.unfurl = preview_only``). Links to
nothing Salesbot knows get no entry; ``org.unfurl = off`` unfurls nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.unfurl import full_card, minimal_card
from bot.channels.audience import Audience, audience, unknown, verdict
from bot.channels.cards import record_card
from bot.channels.members import ChannelCache
from crm.changes.org_settings import unfurl_mode
from crm.models import User
from crm.queries.audience import users_by_slack_id
from crm.record_links import RecordKind, RecordLinks, record_for_url

MAX_LINKS = 5
URL_LIMIT = 2000
MINIMAL_WHY = "Preview shows you, privately, what you may see of it."


def shared_urls(event: dict[str, Any]) -> list[str]:
    """The distinct URLs of the event's links, at most ``MAX_LINKS``."""
    urls: list[str] = []
    for entry in event.get("links") or []:
        url = entry.get("url") if isinstance(entry, dict) else None
        if isinstance(url, str) and len(url) <= URL_LIMIT and url not in urls:
            urls.append(url)
    return urls[:MAX_LINKS]


def _viewer(session: Session, who: Audience, poster: str) -> User | None:
    mine = users_by_slack_id(session, [poster]).get(poster) if poster else None
    if mine is not None and any(u.id == mine.id for u in who.readers):
        return mine
    return who.readers[0] if who.readers else None


def wanted(session: Session, event: dict[str, Any]) -> tuple[str, list[tuple[str, RecordKind, str]]]:
    """The org's unfurl mode and the (url, kind, id) of the shared links that name a record (none when
    unfurls are off)."""
    mode = unfurl_mode(session)
    if mode == "off":
        return mode, []
    links = RecordLinks.load(session)
    records: list[tuple[str, RecordKind, str]] = []
    for url in shared_urls(event):
        found = record_for_url(session, url, links)
        if found is not None:
            records.append((url, *found))
    return mode, records


def unfurls(
    session: Session, client: WebClient, cache: ChannelCache, event: dict[str, Any], now: datetime
) -> dict[str, dict[str, Any]]:
    mode, records = wanted(session, event)
    if not records:
        return {}
    links = RecordLinks.load(session)
    channel = str(event.get("channel") or "")
    if mode == "when_all_may_view":
        who = audience(session, client, cache, channel, now, exhaustive=False)
    else:
        who = unknown(channel)
    viewer = _viewer(session, who, str(event.get("user") or ""))
    out: dict[str, dict[str, Any]] = {}
    for url, kind, record_id in records:
        card = None
        if viewer is not None and verdict(session, who, kind, record_id).everyone_may_view:
            card = record_card(session, viewer, kind, record_id, now, readers=who.readers, links=links)
        out[url] = full_card(card) if card is not None else minimal_card(kind, record_id, MINIMAL_WHY)
    return out
