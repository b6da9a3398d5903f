""" "Edit settings" on the Home Settings tab: a modal with the digest settings and the follow-up prompt.

The time zone defaults from the Slack profile while the CRM still has the default (UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.home.settings import settings_modal
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.changes.preferences import digest_settings
from crm.models import User


def profile_tz(client: WebClient, slack_user: str) -> str | None:
    try:
        tz = client.users_info(user=slack_user)["user"].get("tz")
    except SlackApiError:
        return None
    return tz if isinstance(tz, str) and tz else None


def handler(services: Services) -> Callable[..., None]:
    def edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        trigger_id = str(body.get("trigger_id") or "")

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            settings = digest_settings(session, actor)
            if settings.timezone == "UTC":
                tz = profile_tz(client, who.user)
                if tz:
                    settings = replace(settings, timezone=tz)
            view = settings_modal(settings, who.home or "")
            return [lambda client: client.views_open(trigger_id=trigger_id, view=view)]

        after_ack(services, client, who, "edit settings", work)

    return edit
