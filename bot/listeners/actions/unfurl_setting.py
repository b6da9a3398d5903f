"""A super admin changes how links unfurl (``org.unfurl``) on the Home Settings tab; Home is re-published.
Anyone else is refused (the menu is only shown to super admins, but a click can be forged)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.home import home_tab
from bot.home.state import HomeState
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.changes.org_settings import set_unfurl
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def changed(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        mode = str((action.get("selected_option") or {}).get("value") or "")

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            set_unfurl(session, actor, mode)
            return [home_tab.publish(session, actor, who.user, HomeState.loads(who.home or ""), now)]

        after_ack(services, client, who, "unfurl setting", work)

    return changed
