"""``link_shared``: unfurl links to CRM records with ``chat.unfurl`` (``bot.channels.unfurl`` decides what
each card shows); ``member_joined_channel`` / ``member_left_channel``: forget the channel's cached members.
Bolt acks events itself; the work runs on the worker pool. A retried ``event_id`` does nothing."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channels.unfurl import unfurls, wanted
from bot.runtime import Services
from crm.changes.events import first_delivery
from crm.db import session_scope

log = logging.getLogger(__name__)


def _unfurl(services: Services, client: WebClient, event_id: str, event: dict[str, Any]) -> None:
    now = services.clock()
    context = {"slack_user": event.get("user"), "channel": event.get("channel"), "what": "link_shared"}
    try:
        channel = str(event.get("channel") or "")
        with session_scope(services.engine) as session:
            mode, records = wanted(session, event)
        if not records:
            return
        if mode == "when_all_may_view" and channel and channel != "COMPOSER":
            # Slack calls before the write transaction: the cache then answers inside it.
            with contextlib.suppress(SlackApiError):
                services.channels.channel(client, channel, now)
        with session_scope(services.engine, write=True) as session:
            if event_id and not first_delivery(session, event_id, "link_shared", now):
                return
            cards = unfurls(session, client, services.channels, event, now)
        if not cards:
            return
        if event.get("unfurl_id") and event.get("source"):
            client.chat_unfurl(unfurl_id=event["unfurl_id"], source=event["source"], unfurls=cards)
        else:
            client.chat_unfurl(channel=channel, ts=str(event.get("message_ts") or ""), unfurls=cards)
        log.info("unfurled %d link(s)", len(cards), extra=context)
    except SlackApiError as exc:
        log.warning("Slack refused an unfurl: %s", exc.response.get("error"), extra=context)
    except Exception:
        log.exception("unfurl failed", extra=context)


def handler(services: Services) -> Callable[..., None]:
    def link_shared(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        services.worker.submit(_unfurl, services, client, str(body.get("event_id") or ""), event)

    return link_shared


def membership(services: Services) -> Callable[..., None]:
    def changed(event: dict[str, Any]) -> None:
        channel = event.get("channel")
        if isinstance(channel, str):
            services.channels.forget(channel)

    return changed
