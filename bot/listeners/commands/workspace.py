"""``/sales deals [category]``, ``/sales schedule [day|week|month]``, ``/sales feed [event type]``: the Home
tab's content as a private answer (the first 48 blocks; the rest is in Home), and ``/sales queue
[today|overdue|tomorrow]``: the Home task queue modal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.home.common import note
from bot.blocks.sales import help_message
from bot.home import home_tab
from bot.home.context import context
from bot.home.state import DEAL_CATEGORIES, EVENT_TYPES, RANGES, HomeState
from bot.interactions.queue import TASK_BUCKETS
from bot.listeners.actions.home_queue import open_queue
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from bot.slack import limits
from crm.models import User

ANSWER_BLOCKS = limits.MESSAGE_BLOCKS - 2


def _answer(services: Services, client: WebClient, who: Who, respond: Respond, state: HomeState) -> None:
    def work(session: Session, actor: User, now: datetime) -> list[Effect]:
        blocks = home_tab.TABS[state.tab](session, context(session, actor, state, now))
        shown = blocks[:ANSWER_BLOCKS]
        if len(blocks) > len(shown):
            shown.append(note("answer.more", "More in the app's Home tab."))
        payload: dict[str, Any] = {"text": f"Your {state.tab}", "blocks": [b.to_dict() for b in shown]}
        limits.check_message(payload)
        return [lambda _c: respond(response_type="ephemeral", **payload)]

    after_ack(services, client, who, f"/sales {state.tab}", work)


def _choice(rest: str, choices: tuple[str, ...] | list[str], default: str) -> str | None:
    word = rest.strip().lower().replace(" ", "_") or default
    return word if word in choices else None


def deals(services: Services, client: WebClient, who: Who, rest: str, respond: Respond) -> None:
    category = _choice(rest, list(DEAL_CATEGORIES), "all_open")
    if category is None:
        respond(
            response_type="ephemeral",
            **help_message(f"Deals of which category? Try {', '.join(DEAL_CATEGORIES)}."),
        )
        return
    _answer(services, client, who, respond, HomeState(tab="deals", category=category))


def schedule(services: Services, client: WebClient, who: Who, rest: str, respond: Respond) -> None:
    name = _choice(rest, RANGES, "day")
    if name is None:
        respond(response_type="ephemeral", **help_message("Schedule for when? Try day, week or month."))
        return
    _answer(services, client, who, respond, HomeState(tab="schedule", range=name))


def feed(services: Services, client: WebClient, who: Who, rest: str, respond: Respond) -> None:
    event = _choice(rest, ("", *EVENT_TYPES), "")
    if event is None:
        respond(response_type="ephemeral", **help_message(f"Which events? Try {', '.join(EVENT_TYPES)}."))
        return
    _answer(services, client, who, respond, HomeState(tab="feed", event=event))


def queue(
    services: Services, client: WebClient, who: Who, rest: str, respond: Respond, trigger_id: str
) -> None:
    bucket = _choice(rest, TASK_BUCKETS, "today")
    if bucket is None:
        respond(response_type="ephemeral", **help_message(f"Which tasks? Try {', '.join(TASK_BUCKETS)}."))
        return
    open_queue(services, client, who, trigger_id, bucket)
