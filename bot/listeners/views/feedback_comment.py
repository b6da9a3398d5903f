"""The "Not really" modal submitted: store the comment with the feedback."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.feedback import COMMENT
from bot.interactions.items import feedback_item
from bot.interactions.refs import BadRef, parse_ref
from bot.listeners.views.state import input_value
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from crm.models import User


def handler(services: Services) -> Callable[..., None]:
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        comment = input_value(view, COMMENT)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            try:
                ref = parse_ref(json.loads(view.get("private_metadata") or "{}").get("ref"))
            except (ValueError, AttributeError) as exc:
                raise BadRef("not a feedback modal") from exc
            feedback_item(session, actor, ref, "not_really", comment, now)
            return []

        after_ack(services, client, who, "feedback comment", work)

    return submitted
