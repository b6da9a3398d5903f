"""The follow-up prompt's buttons: "Create task" (a prefilled modal), "Not now", and turning the prompt off
or on again. The modal opens at once with a loading view and is filled after the ack."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks import followup
from bot.interactions.followup import link_choices
from bot.listeners.work import Effect, Who, after_ack, modal_after_ack, say
from bot.runtime import Services
from crm.changes.ownership import owned_activity
from crm.changes.preferences import set_follow_up_prompt
from crm.localtime import local_date
from crm.models import User


def create_handler(services: Services) -> Callable[..., None]:
    def create(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        channel = Who.from_body(body).channel

        def build(session: Session, actor: User, now: datetime) -> dict[str, Any]:
            task = owned_activity(session, actor, str(action.get("value") or ""), "task")
            return followup.create_task_view(
                source_task_id=task.id,
                title=task.title or "",
                due=local_date(now, actor.timezone) + timedelta(days=1),
                priority=task.priority or "medium",
                links=link_choices(session, actor, task.id),
                channel=channel,
            )

        modal_after_ack(services, client, body, "follow-up modal", build)

    return create


def not_now(ack: Ack, respond: Respond) -> None:
    ack()
    respond(delete_original=True)


def prompt_setting_handler(services: Services, on: bool) -> Callable[..., None]:
    def setting(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        who = Who.from_body(body)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            set_follow_up_prompt(session, actor, on, now)
            if on:
                return [
                    lambda _client: respond(delete_original=True),
                    say(who, "Follow-up task prompts are on."),
                ]
            return [lambda _client: respond(replace_original=True, **followup.prompt_off())]

        after_ack(services, client, who, "follow-up setting", work)

    return setting
