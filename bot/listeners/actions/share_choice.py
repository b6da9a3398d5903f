"""The sharer's answer when not everyone in the channel may see what they shared: post the minimal card
(checked again: they must still be allowed to view the record) or cancel. Either way the question goes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.unfurl import parse_preview
from bot.listeners.share import minimal_share
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.models import User


def _close(respond: Respond) -> Effect:
    return lambda _client: respond(delete_original=True)


def minimal(services: Services) -> Callable[..., None]:
    def share_minimal(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        who = Who.from_body(body)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            kind, record_id = parse_preview(action.get("value"))
            return [*minimal_share(session, who, actor, kind, record_id), _close(respond)]

        after_ack(services, client, who, "share minimal", work)

    return share_minimal


def cancel(ack: Ack, respond: Respond) -> None:
    ack()
    respond(delete_original=True)
