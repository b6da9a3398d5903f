"""Sharing to a channel, checked: what is shared is posted only when every reader of the channel may view
the record and every activity it rests on (its text may quote them); otherwise the sharer is told how many
may not and offered the minimal card instead (or to cancel). A Slack Connect channel, or one whose members
Slack will not list, always gets the offer.

Every share goes through ``share_effects``; the insights answer's Share button is one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.unfurl import minimal_message, share_choice
from bot.channels.audience import audience
from bot.channels.members import ChannelCache
from bot.listeners.work import Effect, Who, say, tell
from crm.models import User
from crm.permissions import require_view
from crm.queries.audience import KINDS, refused, refused_activities
from crm.record_links import RecordKind
from insights.context import read_deal

CANNOT_POST = "I can't post in this channel: invite Salesbot to it first."


def post(who: Who, payload: dict[str, Any]) -> Effect:
    """Post to the conversation the click came from (the sharer's DM with Salesbot when none)."""

    def send(client: WebClient) -> None:
        try:
            client.chat_postMessage(channel=who.channel or who.user, **payload)
        except SlackApiError as exc:
            if exc.response.get("error") not in ("not_in_channel", "channel_not_found"):
                raise
            say(who, CANNOT_POST)(client)

    return send


def share_effects(
    session: Session,
    client: WebClient,
    cache: ChannelCache,
    who: Who,
    actor: User,
    kind: RecordKind,
    record_id: str,
    payload: dict[str, Any],
    now: datetime,
    *,
    rests_on: Iterable[str] = (),
) -> list[Effect]:
    """Post ``payload`` (about the record) if every reader may see it, else offer the minimal card."""
    require_view(session, actor, KINDS[kind], record_id)
    if not who.channel:  # no conversation: the sharer's own DM with Salesbot
        return [post(who, payload)]
    readers = audience(session, client, cache, who.channel, now)
    if not readers.known or readers.external:
        return [tell(who, share_choice(0, external=readers.external, kind=kind, record_id=record_id))]
    denied = {u.id for u in refused(session, readers.readers, KINDS[kind], record_id)}
    denied |= {u.id for u in refused_activities(session, readers.readers, rests_on)}
    count = len(denied) + readers.unmapped
    if count == 0 and readers.people > 0:
        return [post(who, payload)]
    return [tell(who, share_choice(count, external=False, kind=kind, record_id=record_id))]


def minimal_share(session: Session, who: Who, actor: User, kind: RecordKind, record_id: str) -> list[Effect]:
    """The sharer chose the minimal card: it names the record's type only."""
    require_view(session, actor, KINDS[kind], record_id)
    return [post(who, minimal_message(kind, record_id))]


def shared_activity_ids(session: Session, deal_id: str, actor: User, now: datetime) -> list[str]:
    """The activities a deal's shared insights rest on as ``actor`` sees them (``public``: private ones are
    left out of a shared text): its AI text may quote any of them."""
    context = read_deal(session, deal_id, actor, now, public=True).context
    return [a.id for a in (*context.recent, *context.scheduled)]
