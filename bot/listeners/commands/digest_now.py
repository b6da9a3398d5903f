"""``/sales digest``: this morning's digest, now, privately (its buttons work like the DM's)."""

from __future__ import annotations

from datetime import datetime

from slack_bolt import Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.digest.content import load_digest
from bot.digest.render import message_payload
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.models import User


def run(services: Services, client: WebClient, who: Who, rest: str, respond: Respond) -> None:
    def work(session: Session, actor: User, now: datetime) -> list[Effect]:
        payload = message_payload(load_digest(session, actor, now), home_url=services.settings.home_url)
        payload.pop("channel", None)
        return [lambda _c: respond(response_type="ephemeral", **payload)]

    after_ack(services, client, who, "digest now", work)
