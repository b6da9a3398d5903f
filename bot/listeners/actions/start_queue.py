"""Start on a bundled digest line: a modal that walks through the bundle's members.

The modal opens at once with a "Loading" view (the trigger id expires within 3 seconds); the queue is built
after the ack and shown with ``views.update``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.queue import finished_view, loading_view, queue_view
from bot.interactions import queue
from bot.interactions.refs import BadRef, parse_ref
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def start(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        opened = client.views_open(trigger_id=body.get("trigger_id", ""), view=loading_view())
        view_id = opened["view"]["id"]

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            ref = parse_ref(action.get("value"))
            if ref.kind != "bundle":
                raise BadRef("not a bundled line")
            q = queue.start(session, actor, ref.id, now, channel=who.channel)
            member = queue.current(session, actor, q, now)
            view = queue_view(q, member, actor.timezone) if member else finished_view(q)
            return [lambda client: client.views_update(view_id=view_id, view=view)]

        after_ack(services, client, who, "start queue", work)

    return start
