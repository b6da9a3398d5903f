"""Every Home navigation button and menu (``home.nav.*``: tabs, filters, pages, "Viewing as"): apply its
``key=value`` to the view's state, remember a chosen tab, and re-publish Home."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.home import home_tab
from bot.home.state import HomeState
from bot.listeners.work import Effect, Who, after_ack
from bot.runtime import Services
from bot.slack.keys import restore
from crm.changes.preferences import set_home_tab
from crm.models import Pipeline, Sequence, Stage, User


def patch_of(action: dict[str, Any]) -> str:
    option = action.get("selected_option")
    if isinstance(option, dict):
        return str(option.get("value") or "")
    return str(action.get("value") or "")


# The Home settings whose values are CRM ids (sent as ``bot.slack.keys.key``), and where each id lives.
ID_SETTINGS = {
    "pipeline": Pipeline.id,
    "stage": Stage.id,
    "owner": User.id,
    "subject": User.id,
    "seq": Sequence.id,
}


def restore_patch(session: Session, patch: str) -> str:
    """``key=value`` with a keyed CRM id in ``value`` restored."""
    name, sep, value = patch.partition("=")
    column = ID_SETTINGS.get(name)
    return f"{name}{sep}{restore(session, value, column)}" if column is not None else patch


def handler(services: Services) -> Callable[..., None]:
    def navigate(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        state = HomeState.loads(who.home)
        patch = patch_of(action)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            new = state.with_patch(restore_patch(session, patch))
            if new.tab != state.tab or not who.home:
                set_home_tab(session, actor, new.tab, now)
            return [home_tab.publish(session, actor, who.user, new, now)]

        after_ack(services, client, who, "home navigation", work)

    return navigate
