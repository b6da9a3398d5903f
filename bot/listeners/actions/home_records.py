"""A Home record button (Update stage, Edit close date, Log activity, Create deal, Move stage, Disqualify,
Update outcome): open its modal. The record is read after the ack, through the clicker's permission filter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.home.modals import modal_for
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def open_modal(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        trigger_id = str(body.get("trigger_id") or "")
        action_id = str(action.get("action_id") or "")
        value = str(action.get("value") or "")

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            view = modal_for(session, actor, action_id, value, who.home or "", now)
            return [lambda client: client.views_open(trigger_id=trigger_id, view=view)]

        after_ack(services, client, who, action_id, work)

    return open_modal
