"""The Retry button of a write-back that failed: back in the queue, sent again after the commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.listeners.work import Effect, Who, after_ack, say
from bot.runtime import Services
from bot.writeback.messages import surface_redraw
from crm.changes import writeback as queue
from crm.models import User, WritebackEntry
from hubspot_connector.writeback import retry


def handler(services: Services) -> Callable[..., None]:
    def clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        value = str(action.get("value") or "")

        def work(session: Session, actor: User, now: datetime) -> Sequence[Effect]:
            if not value.isdigit() or not retry(session, int(value), actor.id, now):
                return [say(who, "Nothing to retry: that change was saved or retried already.")]
            queue.requeued(session, int(value))
            entry = session.get(WritebackEntry, int(value), populate_existing=True)
            assert entry is not None  # retry() just put it back
            # The line or Home says "saving to HubSpot…" again; else a message says it.
            redraw, shows = surface_redraw(session, actor, entry, now, home_url=services.settings.home_url)
            return [redraw] if redraw is not None and shows else [say(who, "Saving it in HubSpot again...")]

        after_ack(services, client, who, "hubspot retry", work)

    return clicked
