"""Running a listener's work after its ack, with the acting CRM user, one session and one ``now``.

``after_ack(services, client, who, what, work)`` submits ``work(session, actor, now) -> effects`` to the
worker. The session commits when ``work`` returns; then each effect (a Slack call) runs, outside the
transaction. A Slack user with no CRM user is told so and gets no data. Failures are logged with context and
told to the user in one line: a refusal as the refusal, a stale or forged button as "nothing changed", and
anything else as a generic apology (its details stay in the log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.blocks.notices import FAILED, NOT_LINKED, notice, plain_notice
from bot.blocks.views import loading_view, message_view
from bot.blocks.writeback import SAVING_NOTE
from bot.interactions.queue import QueueError
from bot.interactions.refs import BadRef
from bot.runtime import Services
from bot.slack.mrkdwn import escape
from bot.slack.users import crm_user_for
from crm.changes import writeback
from crm.db import session_scope
from crm.models import User
from crm.permissions import PermissionDenied

log = logging.getLogger(__name__)

Effect = Callable[[WebClient], Any]


@dataclass(frozen=True)
class Who:
    """Where a request came from: the Slack user, and where to answer them."""

    user: str
    team: str | None = None
    channel: str | None = None  # the conversation of the message clicked, if any
    message_ts: str | None = None
    response_url: str | None = None
    home: str | None = None  # the Home view's state (private_metadata) when the click came from Home

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Who:
        user = body.get("user") or {}
        user_id = user.get("id") if isinstance(user, dict) else None
        user_id = user_id or body.get("user_id") or (body.get("event") or {}).get("user")
        team = body.get("team") or {}
        channel = body.get("channel") or {}
        container = body.get("container") or {}
        view = body.get("view") or {}
        home = None
        if isinstance(view, dict) and view.get("type") == "home":
            home = str(view.get("private_metadata") or "")
        return cls(
            user=str(user_id or ""),
            team=(team.get("id") if isinstance(team, dict) else None) or body.get("team_id"),
            channel=(channel.get("id") if isinstance(channel, dict) else None) or body.get("channel_id"),
            message_ts=container.get("message_ts") if isinstance(container, dict) else None,
            response_url=body.get("response_url"),
            home=home,
        )


def tell(who: Who, payload: dict[str, Any]) -> Effect:
    """An ephemeral message to the user where they clicked; in their DM with the app when there is no
    conversation (a modal, the Home tab)."""

    def send(client: WebClient) -> Any:
        if who.channel:
            return client.chat_postEphemeral(channel=who.channel, user=who.user, **payload)
        return client.chat_postMessage(channel=who.user, **payload)

    return send


def say(who: Who, text: str) -> Effect:
    return tell(who, plain_notice(text))


def saving_note(session: Session) -> str:
    """ " Saving to HubSpot…" when this unit of work queued a write-back (HubSpot is connected), else "": for
    a result that cannot be redrawn once HubSpot answered (a private message, a modal that moves on)."""
    return f" {SAVING_NOTE}" if writeback.queued(session) else ""


Work = Callable[[Session, User, datetime], Sequence[Effect]]


def after_ack(services: Services, client: WebClient, who: Who, what: str, work: Work) -> None:
    """Run ``work`` on the worker pool, in a write transaction (short: clicks and modal submissions)."""
    services.worker.submit(run, services, client, who, what, work)


def after_ack_slow(services: Services, client: WebClient, who: Who, what: str, work: Work) -> None:
    """Run ``work`` on the model pool, in a read transaction: a model call can take seconds and must not
    hold the database's write lock meanwhile (on SQLite that would stall every click)."""
    services.model_worker.submit(run, services, client, who, what, work, write=False)


Build = Callable[[Session, User, datetime], dict[str, Any]]


def modal_after_ack(
    services: Services,
    client: WebClient,
    body: dict[str, Any],
    what: str,
    build: Build,
    *,
    slow: bool = False,
) -> None:
    """Open a modal at once with a loading view (its trigger id lasts 3 seconds), then, after the ack, show
    the view ``build`` makes, or why there is none."""
    fill_modal(
        services, client, Who.from_body(body), str(body.get("trigger_id") or ""), what, build, slow=slow
    )


def fill_modal(
    services: Services,
    client: WebClient,
    who: Who,
    trigger_id: str,
    what: str,
    build: Build,
    *,
    slow: bool = False,
) -> None:
    view_id = client.views_open(trigger_id=trigger_id, view=loading_view())["view"]["id"]

    def work(session: Session, actor: User, now: datetime) -> Sequence[Effect]:
        try:
            view = build(session, actor, now)
        except PermissionDenied as exc:
            view = message_view("Not allowed", escape(f"Nothing to show: {exc}."))
        except (BadRef, QueueError, ValueError):
            view = message_view("Out of date", "That button is out of date or not valid.")
        return [lambda c: c.views_update(view_id=view_id, view=view)]

    (after_ack_slow if slow else after_ack)(services, client, who, what, work)


def _attempt(
    services: Services, client: WebClient, who: Who, work: Work, now: datetime, write: bool
) -> Sequence[Effect]:
    with session_scope(services.engine, write=write) as session:
        if write and services.writeback is not None:
            services.writeback.begin(
                session, user=who.user, team=who.team, channel=who.channel, ts=who.message_ts, home=who.home
            )
        actor = crm_user_for(session, who.user, client, now)
        if actor is None:
            log.info("unmapped Slack user", extra={"slack_user": who.user})
            return [tell(who, notice(NOT_LINKED))]
        effects = work(session, actor, now)
    if services.writeback is not None:  # committed: send what it queued, after the click's own answer
        effects = [*effects, *services.writeback.after_commit(session)]
    return effects


def run(
    services: Services, client: WebClient, who: Who, what: str, work: Work, *, write: bool = True
) -> None:
    now = services.clock()
    context = {"slack_user": who.user, "team": who.team, "what": what}
    effects: Sequence[Effect]
    try:
        try:
            effects = _attempt(services, client, who, work, now, write)
        except OperationalError as exc:
            # A read transaction that writes at its end (a cache entry) loses to a writer that committed
            # meanwhile on SQLite ("database is locked"): once more, from a fresh snapshot.
            if write or "locked" not in str(exc):
                raise
            log.info("retrying after a lost write race", extra=context)
            effects = _attempt(services, client, who, work, now, write)
    except PermissionDenied as exc:
        log.info("refused: %s", exc, extra=context)
        effects = [say(who, f"Nothing changed: {exc}.")]
    except (BadRef, QueueError) as exc:
        log.warning("invalid payload: %s", exc, extra=context)
        effects = [say(who, "Nothing changed: that button is out of date or not valid.")]
    except ValueError as exc:
        log.info("invalid input: %s", exc, extra=context)
        effects = [say(who, f"Nothing changed: {exc}.")]
    except Exception:
        log.exception("failed after the ack", extra=context)
        effects = [tell(who, notice(FAILED))]
    for effect in effects:
        try:
            effect(client)
        except SlackApiError as exc:
            log.warning("Slack refused a call: %s", exc.response.get("error"), extra=context)
        except Exception:
            log.exception("a Slack call failed", extra=context)
