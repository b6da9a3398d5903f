"""Preview on a minimal card (an unfurl or a share): shows the clicking user, privately, what they may see
of the record; a record they may not view (or a forged value) gets the same refusal as a missing one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.unfurl import NOT_ALLOWED, parse_preview, preview_message
from bot.channels.cards import record_card
from bot.listeners.work import Effect, Who, after_ack, say, tell
from bot.runtime import Services
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def preview(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            kind, record_id = parse_preview(action.get("value"))
            card = record_card(session, actor, kind, record_id, now)
            return [tell(who, preview_message(card))] if card is not None else [say(who, NOT_ALLOWED)]

        after_ack(services, client, who, "unfurl preview", work)

    return preview
