"""Telling the rep how their change went in HubSpot, and the Retry button of a failed one.

After a send: "Saved in HubSpot" with a link to the record; a conflict in one line (and the digest message
redrawn with HubSpot's value); a final failure privately, with the reason and a Retry button. Each goes
where the click happened: an ephemeral message in its conversation, or the rep's DM with the app (a modal,
the Home tab).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)
from sqlalchemy import Engine

from bot.digest.redraw import redraw_payload
from bot.slack import limits
from bot.slack.mrkdwn import escape
from crm.db import session_scope
from crm.models import User
from hubspot_connector.writeback.sender import Result

log = logging.getLogger(__name__)

RETRY = "hubspot_writeback_retry"
WHAT = {
    "complete_task": "Task completed",
    "snooze_task": "Task snoozed",
    "create_task": "Task created",
    "set_deal_stage": "Deal stage",
    "set_close_date": "Close date",
    "set_lead_stage": "Lead stage",
    "disqualify_lead": "Lead disqualified",
    "log_activity": "Activity logged",
    "log_outcome": "Outcome logged",
}


def result_payload(result: Result) -> dict[str, Any]:
    """``{"text", "blocks"}`` telling the rep how ``result`` went."""
    what = WHAT.get(result.kind, "Change")
    link = f" <{result.url}|Open in HubSpot>" if result.url else ""
    if result.state == "sent":
        text = f"{what}: saved in HubSpot.{link}"
        blocks: list[Any] = [ContextBlock(block_id="hubspot", elements=[MarkdownTextObject(text=text)])]
    elif result.state == "conflict":
        text = f"{what}: {escape(result.message)}{link}"
        blocks = [SectionBlock(block_id="hubspot", text=text)]
    else:
        text = f"{what}: {escape(result.message)}"
        blocks = [
            SectionBlock(block_id="hubspot", text=text),
            ActionsBlock(
                block_id="hubspot_retry",
                elements=[ButtonElement(text="Retry", action_id=RETRY, value=str(result.entry_id))],
            ),
        ]
    payload = {"text": text, "blocks": [b.to_dict() for b in blocks]}
    limits.check_message(payload)
    return payload


def tell_rep(
    client: WebClient, engine: Engine, result: Result, now: datetime, *, home_url: str | None = None
) -> None:
    """Send the rep the line about ``result``; after a conflict, redraw the digest message clicked."""
    if result.slack_user is None or result.state == "pending":
        return
    try:
        if result.state == "conflict" and result.channel and result.message_ts and result.actor_id:
            with session_scope(engine) as session:
                actor = session.get(User, result.actor_id)
                update = (
                    redraw_payload(session, actor, result.channel, result.message_ts, now, home_url=home_url)
                    if actor is not None
                    else None
                )
            if update is not None:
                client.chat_update(**update)
        payload = result_payload(result)
        if result.channel:
            client.chat_postEphemeral(channel=result.channel, user=result.slack_user, **payload)
        else:
            client.chat_postMessage(channel=result.slack_user, **payload)
    except Exception:
        log.exception("could not tell the rep about write-back %s", result.entry_id)


Notify = Callable[[WebClient, Result], None]
