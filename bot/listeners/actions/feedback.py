"""The feedback menu on a guided-action line: "Yes, keep it up!" is recorded; "Not really" is recorded at
once (closing the modal loses nothing) and opens a modal for an optional comment. The modal is opened right
after the ack, before any database work, because its trigger id expires within 3 seconds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.feedback import comment_view
from bot.interactions.items import feedback_item
from bot.interactions.refs import BadRef
from bot.listeners.actions.items import ref_of_block
from bot.listeners.work import Effect, Who, after_ack, say
from bot.runtime import Services
from crm.models import User

log = logging.getLogger(__name__)


def handler(services: Services) -> Callable[..., None]:
    def feedback(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        kind = (action.get("selected_option") or {}).get("value")
        block_id = action.get("block_id")
        if kind == "not_really" and isinstance(block_id, str) and block_id.startswith("a:"):
            try:
                client.views_open(
                    trigger_id=body.get("trigger_id", ""),
                    view=comment_view(block_id[2:], who.channel, who.message_ts),
                )
            except SlackApiError as exc:
                log.warning("could not open the feedback modal: %s", exc.response.get("error"))

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            if not isinstance(kind, str):
                raise BadRef("no feedback choice")
            ref = ref_of_block(session, actor, who, action)
            result = feedback_item(session, actor, ref, kind, None, now)
            return [] if result.changed else [say(who, result.message)]

        after_ack(services, client, who, "feedback", work)

    return feedback
