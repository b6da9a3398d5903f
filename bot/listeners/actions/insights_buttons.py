"""The buttons of a deal-insights answer (and the deal picker, and the Home tab's Insights button).

Modals that need the database open at once with a loading view (a trigger id lasts 3 seconds) and are
filled after the ack; everything that may call the model runs on the model pool."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.blocks import insights as blocks
from bot.blocks.sales import PICK_DEAL
from bot.interactions.refs import BadRef
from bot.listeners.insights import insights_effects
from bot.listeners.share import share_effects, shared_activity_ids
from bot.listeners.work import Effect, Who, after_ack, after_ack_slow, modal_after_ack, say
from bot.runtime import Services
from bot.slack.keys import restore
from crm.models import Deal, User
from crm.permissions import PermissionDenied
from crm.record_links import RecordLinks
from insights.render import render_text
from insights.service import activity_detail, get_insights, record_feedback


def _deal_and_hash(value: Any) -> tuple[str, str]:
    try:
        return blocks.parse_value(str(value))
    except (ValueError, KeyError, TypeError) as exc:
        raise BadRef("not an insights button") from exc


def handlers(services: Services) -> dict[str, Callable[..., None]]:
    def pick(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        chosen = str((action.get("selected_option") or {}).get("value") or "")

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            deal_id = restore(session, chosen, Deal.id)
            return insights_effects(services, session, actor, now, deal_id, respond=respond, replace=True)

        after_ack_slow(services, client, Who.from_body(body), "insights pick", work)

    def show(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        deal_id = str(action.get("value") or "")

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            return insights_effects(services, session, actor, now, deal_id, who=who)

        after_ack_slow(services, client, who, "insights", work)

    def refresh(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            deal_id, _ = _deal_and_hash(action.get("value"))
            return insights_effects(
                services, session, actor, now, deal_id, respond=respond, replace=True, refresh=True
            )

        after_ack_slow(services, client, Who.from_body(body), "insights refresh", work)

    def open_activity(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()

        def build(session: Session, actor: User, now: datetime) -> dict[str, Any]:
            try:
                _, activity_id = blocks.parse_open_value(str(action.get("value")))
                return blocks.activity_modal(activity_detail(session, activity_id, actor), actor.timezone)
            except (PermissionDenied, ValueError, KeyError):
                return blocks.not_allowed_modal()

        modal_after_ack(services, client, body, "insights activity", build)

    def copy_text(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()

        def build(session: Session, actor: User, now: datetime) -> dict[str, Any]:
            deal_id, _ = _deal_and_hash(action.get("value"))
            result = get_insights(session, deal_id, actor, now, settings=services.settings)
            return blocks.text_modal(render_text(result))

        modal_after_ack(services, client, body, "insights copy", build, slow=True)

    def share(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            deal_id, _ = _deal_and_hash(action.get("value"))
            result = get_insights(session, deal_id, actor, now, settings=services.settings, public=True)
            url = RecordLinks.load(session).url("deal", deal_id)
            payload = blocks.result_message(result, shared=True, url=url)
            rests_on = shared_activity_ids(session, deal_id, actor, now)
            return share_effects(
                session,
                client,
                services.channels,
                who,
                actor,
                "deal",
                deal_id,
                payload,
                now,
                rests_on=rests_on,
            )

        after_ack_slow(services, client, who, "insights share", work)

    def helpful(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            deal_id, inputs_hash = _deal_and_hash(action.get("value"))
            record_feedback(
                session,
                deal_id=deal_id,
                user=actor,
                helpful=True,
                comment=None,
                inputs_hash=inputs_hash,
                now=now,
            )
            return [say(who, "Thanks for the feedback.")]

        after_ack(services, client, who, "insights helpful", work)

    def not_helpful(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            deal_id, inputs_hash = _deal_and_hash(action.get("value"))
        except BadRef:
            return
        client.views_open(
            trigger_id=body.get("trigger_id", ""), view=blocks.feedback_modal(deal_id, inputs_hash)
        )

    return {
        PICK_DEAL: pick,
        blocks.SHOW: show,
        blocks.REFRESH: refresh,
        blocks.OPEN_ACTIVITY: open_activity,
        blocks.COPY_TEXT: copy_text,
        blocks.SHARE: share,
        blocks.HELPFUL: helpful,
        blocks.NOT_HELPFUL: not_helpful,
    }


def feedback_submitted(services: Services) -> Callable[..., None]:
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        ack()
        who = Who.from_body(body)
        values = ((view.get("state") or {}).get("values") or {}).get(blocks.FEEDBACK_BLOCK) or {}
        comment = (values.get(blocks.FEEDBACK_INPUT) or {}).get("value")

        def work(session: Session, actor: User, now: datetime) -> list[Effect]:
            deal_id, inputs_hash = _deal_and_hash(view.get("private_metadata"))
            record_feedback(
                session,
                deal_id=deal_id,
                user=actor,
                helpful=False,
                comment=comment if isinstance(comment, str) else None,
                inputs_hash=inputs_hash,
                now=now,
            )
            return [say(who, "Thanks: noted what was wrong.")]

        after_ack(services, client, who, "insights feedback", work)

    return submitted
