"""Telling the rep how their change went in HubSpot, and the Retry button of a failed one.

After a send, the surface the change came from is redrawn from the queue's state: the digest message (the
line says "saved in HubSpot" with a link to the record, HubSpot's value and why after a conflict, or "not
saved in HubSpot") or the Home tab (its HubSpot lines). Without such a surface (a modal's result, the
follow-up prompt, a click on /sales output) a private message says it: "saved in HubSpot" with the link, or
the conflict in one line. A final failure is always also told privately, with the reason and a Retry
button: an ephemeral message in the conversation of the click, or the rep's DM with the app.
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
from sqlalchemy.orm import Session

from bot.blocks.writeback import WHAT
from bot.digest.redraw import redraw_payload
from bot.digest.render import line_block_id
from bot.home import home_tab
from bot.home.state import HomeState
from bot.slack import limits
from bot.slack.mrkdwn import escape
from crm.db import session_scope
from crm.models import User, WritebackEntry
from hubspot_connector.writeback.sender import Result

log = logging.getLogger(__name__)

RETRY = "hubspot_writeback_retry"


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
    """Show the rep how ``result`` went where they made the change: the digest message redrawn (its line
    says "saved in HubSpot" with the link, HubSpot's value after a conflict, or "not saved"), or the Home
    tab republished with its HubSpot lines. Where there is no such surface (a modal, the follow-up prompt, a
    click on other output), a private message says it; a final failure always gets one too, with the reason
    and a Retry button."""
    if result.slack_user is None or result.state == "pending":
        return
    shown = False
    try:
        shown = _update_surface(client, engine, result, now, home_url)
    except Exception:  # the message was deleted, Slack is down...: the private message still says it
        log.warning("could not redraw where write-back %s came from", result.entry_id, exc_info=True)
    if shown and result.state != "failed":
        return
    try:
        payload = result_payload(result)
        if result.channel:
            client.chat_postEphemeral(channel=result.channel, user=result.slack_user, **payload)
        else:
            client.chat_postMessage(channel=result.slack_user, **payload)
    except Exception:
        log.exception("could not tell the rep about write-back %s", result.entry_id)


def _update_surface(
    client: WebClient, engine: Engine, result: Result, now: datetime, home_url: str | None
) -> bool:
    """Redraw the surface the change came from with the queue's state now; whether it shows the change
    (False: there is none, or it has no line for the record)."""
    if result.actor_id is None:
        return False
    with session_scope(engine) as session:
        actor = session.get(User, result.actor_id)
        entry = session.get(WritebackEntry, result.entry_id)
        if actor is None or entry is None:
            return False
        effect, shows = surface_redraw(session, actor, entry, now, home_url=home_url)
    if effect is not None:
        effect(client)  # Slack is called outside the transaction
    return shows


def surface_redraw(
    session: Session, actor: User, entry: WritebackEntry, now: datetime, *, home_url: str | None = None
) -> tuple[Callable[[WebClient], Any] | None, bool]:
    """The Slack call redrawing where ``entry`` was made (the digest message, or Home in its state), with
    the queue's state as ``session`` sees it, and whether that surface shows the change; (None, False) when
    there is no such surface."""
    if entry.slack_user is None:
        return None, False
    if entry.channel and entry.message_ts:
        update = redraw_payload(session, actor, entry.channel, entry.message_ts, now, home_url=home_url)
        if update is None:
            return None, False
        # Only a message with the record's line says it (a digest line is a task's); it is redrawn anyway,
        # since a conflict may have changed the record.
        line = line_block_id(f"task:{entry.record_id}") if entry.object_type == "tasks" else None
        return (lambda c: c.chat_update(**update)), any(b.get("block_id") == line for b in update["blocks"])
    if entry.home is not None:
        state = HomeState.loads(entry.home) if entry.home else home_tab.initial_state(session, actor)
        return home_tab.publish(session, actor, entry.slack_user, state, now), True
    return None, False


Notify = Callable[[WebClient, Result], None]
