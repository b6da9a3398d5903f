"""The Settings tab's rule switches: a user's own (``home.rules.mine``) and the org's (``home.rules.org``,
super admins only: a forged change from anyone else changes nothing). Home is re-published after."""

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
from crm.changes.rule_switches import set_org_rules_off, set_user_rules_off
from crm.models import User
from rules.registry import RULES_BY_CODE


def chosen(action: dict[str, Any]) -> list[str]:
    return [str(o.get("value")) for o in action.get("selected_options") or [] if isinstance(o, dict)]


def handler(services: Services, *, org: bool) -> Callable[..., None]:
    def switched(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        rules = chosen(action)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            if org:
                set_org_rules_off(session, actor, rules, RULES_BY_CODE)
            else:
                set_user_rules_off(session, actor, rules, RULES_BY_CODE, now)
            return [home_tab.publish(session, actor, who.user, HomeState.loads(who.home), now)]

        after_ack(services, client, who, "rule switches", work)

    return switched
