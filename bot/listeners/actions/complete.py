"""Complete on a digest line: the task or guided action is done."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.interactions.items import complete_item
from bot.listeners.actions.items import effects_of, ref_of_button
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def complete(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            result = complete_item(session, actor, ref_of_button(action), now)
            return effects_of(services, session, actor, who, result, now)

        after_ack(services, client, who, "complete", work)

    return complete
