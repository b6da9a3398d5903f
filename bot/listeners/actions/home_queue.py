""" "Start queue" on a Home task count (and ``/sales queue``): a modal walking through that bucket's tasks.

The modal opens at once with a "Loading" view (the trigger id expires within 3 seconds); the queue is built
after the ack and shown with ``views.update`` (``bot.listeners.work.fill_modal``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.queue import finished_view, queue_view
from bot.interactions import queue
from bot.listeners.work import Who, fill_modal
from bot.runtime import Services
from crm.models import User


def open_queue(services: Services, client: WebClient, who: Who, trigger_id: str, bucket: str) -> None:
    def build(session: Session, actor: User, now: datetime) -> dict[str, Any]:
        if bucket not in queue.TASK_BUCKETS:
            raise queue.QueueError("not a task bucket")
        q = queue.start(session, actor, bucket, now, home=True)
        member = queue.current(session, actor, q, now)
        return queue_view(q, member, actor.timezone) if member else finished_view(q)

    fill_modal(services, client, who, trigger_id, "start task queue", build)


def handler(services: Services) -> Any:
    def start(ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        bucket = str(action.get("value") or "")
        open_queue(services, client, Who.from_body(body), str(body.get("trigger_id") or ""), bucket)

    return start
