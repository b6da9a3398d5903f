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

from bot.blocks.queue import finished_view, queue_view
from bot.interactions import queue
from bot.interactions.refs import BadRef, parse_ref
from bot.listeners.work import Who, modal_after_ack
from bot.runtime import Services
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def start(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        channel = Who.from_body(body).channel

        def build(session: Session, actor: User, now: datetime) -> dict[str, Any]:
            ref = parse_ref(action.get("value"))
            if ref.kind != "bundle":
                raise BadRef("not a bundled line")
            q = queue.start(session, actor, ref.id, now, channel=channel)
            member = queue.current(session, actor, q, now)
            return queue_view(q, member, actor.timezone) if member else finished_view(q)

        modal_after_ack(services, client, body, "start queue", build)

    return start
