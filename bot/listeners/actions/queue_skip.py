"""Skip and Snooze in a queue modal: move to the next member, leaving this one as it is or snoozed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.queue import finished_view, queue_view
from bot.home import home_tab
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
                lambda client: client.views_update(
                    view_id=view.get("id"), hash=view.get("hash"), view=update
                ),
                *home_tab.refresh(session, actor, who.user, q, now),
            ]

        after_ack(services, client, who, "skip in queue", work)

    return skip


def snooze_handler(services: Services) -> Callable[..., None]:
    """Snooze in a task queue: the task is snoozed (as from the digest's menu) and the queue moves on."""

    def snooze(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        view = body.get("view") or {}
        choice = str((action.get("selected_option") or {}).get("value") or "")

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            q = queue.Queue.loads(str(view.get("private_metadata") or ""))
            member_id = q.ids[q.pos] if q.pos < len(q.ids) else ""
            notice = queue.snooze_member(session, actor, q, member_id, choice, now)
            member = queue.current(session, actor, q, now)
            update = queue_view(q, member, actor.timezone, notice=notice) if member else finished_view(q)
            return [
                lambda client: client.views_update(view_id=view.get("id"), view=update),
                *home_tab.refresh(session, actor, who.user, q, now),
            ]

        after_ack(services, client, who, "snooze in queue", work)

    return snooze
