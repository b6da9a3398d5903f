"""Skip in the bundled-actions queue modal: move to the next member without changing this one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.queue import finished_view, queue_view
from bot.interactions import queue
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def skip(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        view = body.get("view") or {}

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            q = queue.Queue.loads(str(view.get("private_metadata") or ""))
            queue.skip(q, str(action.get("value") or ""))
            member = queue.current(session, actor, q, now)
            update = queue_view(q, member, actor.timezone) if member else finished_view(q)
            return [
                lambda client: client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=update)
            ]

        after_ack(services, client, who, "skip in queue", work)

    return skip
