"""``app_home_opened``: remember who the user is in the CRM and, from the Messages tab, their DM channel with
the app (the digest posts there); from the Home tab, publish the Home view on the tab the user chose last.
Slack retries an event it thinks was lost; a repeated ``event_id`` does nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.home import home_tab
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from bot.slack.users import remember_dm_channel
from crm.changes.events import first_delivery
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def home_opened(body: dict[str, Any], event: dict[str, Any], client: WebClient) -> None:
        who = Who.from_body(body)
        event_id = str(body.get("event_id") or "")

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            if event_id and not first_delivery(session, event_id, "app_home_opened", now):
                return []
            channel = event.get("channel")
            if event.get("tab") == "messages" and isinstance(channel, str) and channel.startswith("D"):
                remember_dm_channel(session, actor, channel, now)
            if event.get("tab") == "home":
                return [
                    home_tab.publish(session, actor, who.user, home_tab.initial_state(session, actor), now)
                ]
            return []

        after_ack(services, client, who, "app_home_opened", work)

    return home_opened
