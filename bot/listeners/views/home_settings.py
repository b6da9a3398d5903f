"""The settings modal submitted: invalid input comes back inline (``response_action: errors``) before the
ack; valid settings are saved after it and the Home tab re-published."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.home import settings as blocks
from bot.home import home_tab
from bot.home.state import HomeState
from bot.listeners.views.state import input_value, selected_values, time_value
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.changes.preferences import DigestSettings, set_digest_settings, settings_problems
from crm.models import User

WEEKDAY_VALUES = tuple(str(d) for d in range(1, 8))  # what the modal offers; anything else is dropped


def read(view: dict[str, Any]) -> DigestSettings:
    flags = selected_values(view, blocks.FLAGS)
    return DigestSettings(
        enabled="on" in selected_values(view, blocks.DIGEST_ON),
        time=time_value(view, blocks.TIME) or "",
        weekdays=[int(d) for d in selected_values(view, blocks.DAYS) if d in WEEKDAY_VALUES],
        timezone=(input_value(view, blocks.TZ) or "").strip(),
        send_when_empty="send_when_empty" in flags,
        follow_up_prompt="follow_up_prompt" in flags,
        team="team_digest" in flags,
    )


def handler(services: Services) -> Callable[..., None]:
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        settings = read(view)
        problems = settings_problems(settings)
        if problems:
            ack(
                response_action="errors",
                errors={blocks.FIELD_BLOCKS[name]: text for name, text in problems.items()},
            )
            return
        ack()
        who = Who.from_body(body)
        state = HomeState.loads(str(view.get("private_metadata") or ""))

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            set_digest_settings(session, actor, settings, now)
            return [home_tab.publish(session, actor, who.user, state, now)]

        after_ack(services, client, who, "save settings", work)

    return submitted
