""" "Log to CRM" on a message: a modal opens at once (loading), then shows the message as a note (mentions
and links made plain, the permalink added) and a type-ahead of the deals and contacts the user may log on.
The type-ahead's options are answered in the ack itself (Slack wants them there), from one bounded query
through the permission filter."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.log_to_crm import log_modal, record_options
from bot.channels.message_note import mentioned, note_text
from bot.listeners.work import Who, fill_modal
from bot.runtime import Services
from bot.slack.users import crm_user_for
from crm.db import session_scope
from crm.models import User
from crm.queries.audience import users_by_slack_id
from crm.queries.pickers import loggable_records

log = logging.getLogger(__name__)
QUERY_LIMIT = 100


def _permalink(client: WebClient, channel: str | None, ts: str | None) -> str | None:
    if not channel or not ts:
        return None
    try:
        return str(client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except SlackApiError as exc:
        log.info("no permalink: %s", exc.response.get("error"))
        return None


def handler(services: Services) -> Callable[..., None]:
    def log_to_crm(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        raw = body.get("message")
        message: dict[str, Any] = raw if isinstance(raw, dict) else {}
        text = str(message.get("text") or "")
        ts = body.get("message_ts") or message.get("ts")

        def build(session: Session, actor: User, now: datetime) -> dict[str, Any]:
            names = {sid: u.name for sid, u in users_by_slack_id(session, mentioned(text)).items()}
            return log_modal(note_text(text, _permalink(client, who.channel, ts), names))

        fill_modal(services, client, who, str(body.get("trigger_id") or ""), "log to crm", build)

    return log_to_crm


def options(services: Services) -> Callable[..., None]:
    def record_picker(ack: Ack, body: dict[str, Any], payload: dict[str, Any]) -> None:
        typed = str(payload.get("value") or "")[:QUERY_LIMIT]
        user = Who.from_body(body).user
        with session_scope(services.engine) as session:
            actor = crm_user_for(session, user, None, services.clock())
            picks = loggable_records(session, actor, typed) if actor is not None else []
        ack(**record_options(picks))

    return record_picker
