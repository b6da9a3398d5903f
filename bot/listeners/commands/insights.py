"""``/sales insights <deal name or id>``: one match gets its insights, several a picker, none a message.
The insights themselves run on the model pool (they may call the model)."""

from __future__ import annotations

from datetime import datetime

from slack_bolt import Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks.sales import deal_picker, help_message
from bot.listeners.insights import insights_effects
from bot.listeners.work import Effect, Who, after_ack_slow
from bot.runtime import Services
from crm.models import User
from crm.queries.deals import find_deals


def run(services: Services, client: WebClient, who: Who, rest: str, respond: Respond) -> None:
    if not rest:
        respond(response_type="ephemeral", **help_message("Which deal? `/sales insights <deal name or id>`"))
        return

    def work(session: Session, actor: User, now: datetime) -> list[Effect]:
        deals = find_deals(session, actor, rest)
        if not deals:
            text = f"No deal you can see matches “{rest}”."
            return [lambda _c: respond(response_type="ephemeral", **help_message(text))]
        if len(deals) > 1:
            picker = deal_picker(rest, [(d.id, d.name) for d in deals])
            return [lambda _c: respond(response_type="ephemeral", **picker)]
        return insights_effects(services, session, actor, now, deals[0].id, respond=respond)

    after_ack_slow(services, client, who, "insights", work)
