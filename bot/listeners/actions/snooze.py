"""Snooze menu on a digest line: 1 hour, tomorrow at digest time, next Monday at digest time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.interactions.items import snooze_item
from bot.interactions.refs import BadRef
from bot.listeners.actions.items import effects_of, ref_of_block
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def snooze(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        choice = (action.get("selected_option") or {}).get("value")

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            if not isinstance(choice, str):
                raise BadRef("no snooze choice")
            ref = ref_of_block(session, actor, who, action)
            result = snooze_item(session, actor, ref, choice, now)
            return effects_of(services, session, actor, who, result, now)

        after_ack(services, client, who, "snooze", work)

    return snooze
