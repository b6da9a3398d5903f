"""What every click on a digest line does once its item changed: redraw the digest in place, say so when
nothing changed, and offer a follow-up task after a completed one (unless the user turned that off).

Complete and Dismiss are :func:`button_handler` over ``bot.interactions.items``; the menus (Snooze,
feedback) have listeners of their own, since their line comes from the block id."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks import followup
from bot.digest.redraw import find_delivery, redraw_payload
from bot.home import home_tab
from bot.home.state import HomeState
from bot.interactions.items import ItemResult
from bot.interactions.refs import BadRef, Ref, parse_ref
from bot.listeners.work import Effect, Who, after_ack, say, tell
from bot.runtime import Services
from crm.changes.preferences import preferences
from crm.models import User


def effects_of(
    services: Services, session: Session, actor: User, who: Who, result: ItemResult, now: datetime
) -> list[Effect]:
    effects: list[Effect] = []
    update = None
    if result.changed and who.channel and who.message_ts:
        update = redraw_payload(
            session, actor, who.channel, who.message_ts, now, home_url=services.settings.home_url
        )
    if update is not None:
        effects.append(lambda client: client.chat_update(**update))
    elif who.home is not None:
        # A click in the Home tab: the re-published Home shows what changed.
        effects.append(home_tab.publish(session, actor, who.user, HomeState.loads(who.home), now))
        if not result.changed:
            effects.append(say(who, result.message))
    else:
        # Nothing to redraw (a click on /sales output, or nothing changed): say what happened.
        effects.append(say(who, result.message))
    task = result.completed_task
    if task is not None and preferences(session, actor).follow_up_prompt:
        effects.append(tell(who, followup.prompt(task.title or "", task.id)))
    return effects


def ref_of_button(action: dict[str, Any]) -> Ref:
    return parse_ref(action.get("value"))


def ref_of_block(session: Session, actor: User, who: Who, action: dict[str, Any]) -> Ref:
    """The ref of a select's line, from its block id: ``a:<ref>``, or ``a#<sha1 of ref>`` for a ref too long
    for a block id (looked up among the refs the digest message listed)."""
    block_id = action.get("block_id")
    if not isinstance(block_id, str):
        raise BadRef("no block id")
    if block_id.startswith("a:"):
        return parse_ref(block_id[2:])
    if block_id.startswith("a#") and who.channel and who.message_ts:
        delivery = find_delivery(session, actor, who.channel, who.message_ts)
        for refs in ((delivery.items or {}) if delivery else {}).values():
            for ref in refs:
                if hashlib.sha1(ref.encode()).hexdigest() == block_id[2:]:
                    return parse_ref(ref)
    raise BadRef("unknown line")


Change = Callable[[Session, User, Ref, datetime], ItemResult]


def button_handler(services: Services, what: str, change: Change) -> Callable[..., None]:
    """A listener for a button whose value is the line's ref (Complete, Dismiss): ack, then ``change``."""

    def clicked(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            result = change(session, actor, ref_of_button(action), now)
            return effects_of(services, session, actor, who, result, now)

        after_ack(services, client, who, what, work)

    return clicked
