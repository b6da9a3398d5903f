"""Deal insights as Slack answers: shared by ``/sales insights``, the deal picker, Refresh and the Home
tab's Insights button."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Respond
from sqlalchemy.orm import Session

from bot.blocks.insights import not_allowed_message, refusal_message, result_message
from bot.listeners.work import Effect, Who, tell
from bot.runtime import Services
from crm.models import User
from crm.permissions import PermissionDenied
from crm.record_links import RecordLinks
from insights.service import InsightsDisabled, get_insights


def insights_payload(
    services: Services, session: Session, actor: User, now: datetime, deal_id: str, *, refresh: bool = False
) -> dict[str, Any]:
    """The message to show: the insights, or the refusal (a hidden deal and a missing one alike)."""
    try:
        result = get_insights(session, deal_id, actor, now, settings=services.settings, refresh=refresh)
    except PermissionDenied:
        return not_allowed_message()
    except InsightsDisabled as exc:
        return refusal_message(str(exc))
    return result_message(result, url=RecordLinks.load(session).url("deal", deal_id))


def insights_effects(
    services: Services,
    session: Session,
    actor: User,
    now: datetime,
    deal_id: str,
    *,
    respond: Respond | None = None,
    who: Who | None = None,
    replace: bool = False,
    refresh: bool = False,
) -> list[Effect]:
    """Answer through ``respond`` (a command or a message's buttons), else privately to ``who``."""
    payload = insights_payload(services, session, actor, now, deal_id, refresh=refresh)
    if respond is not None:
        return [lambda _c: respond(response_type="ephemeral", replace_original=replace, **payload)]
    assert who is not None
    return [tell(who, payload)]
