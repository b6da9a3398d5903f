"""``/sales tasks [today|overdue|tomorrow]``: the user's open tasks (today's by default), privately."""

from __future__ import annotations

from datetime import datetime

from slack_bolt import Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.sales import help_message
from bot.blocks.tasks import tasks_message
from bot.digest.tasks import BUCKETS, task_lines
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.models import User


def run(services: Services, client: WebClient, who: Who, rest: str, respond: Respond) -> None:
    bucket = rest.lower() or "today"
    if bucket not in BUCKETS:
        respond(response_type="ephemeral", **help_message(f"Tasks for when? Try {', '.join(BUCKETS)}."))
        return

    def work(session: Session, actor: User, now: datetime) -> list[Effect]:
        lines, total = task_lines(session, actor, bucket, now)
        payload = tasks_message(bucket, lines, total)
        return [lambda _c: respond(response_type="ephemeral", **payload)]

    after_ack(services, client, who, "tasks", work)
