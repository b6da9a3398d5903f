"""Which Slack workspace, and so which bot token, sends a user's digest.

One workspace (``SLACK_BOT_TOKEN``): every digest through the one client. OAuth installs
(``SLACK_CLIENT_ID``): each workspace that installed the app has its own bot token in ``slack_bots``
(slack_sdk's installation store, whose rows Bolt deletes when a workspace uninstalls the app). A user's
workspace is remembered in ``slack_identities.team_id`` once found: the first time, each installed workspace
is asked about the user (``users.info`` for a dataset Slack id, else ``users.lookupByEmail``) until one knows
them. A user whose workspace has uninstalled the app gets nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.slack.client import delivery_client
from bot.slack.users import NOT_FOUND, RECHECK, slack_id_for
from crm.config import Settings
from crm.models import Base, SlackIdentity, User
from crm.models.slack import BOTS_TABLE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """How to reach a user: the client of their workspace and their Slack id there; ``client`` None means
    they cannot be reached (``reason`` says why: no Slack user, or their workspace uninstalled the app)."""

    client: WebClient | None
    slack_id: str | None
    team_id: str | None = None
    reason: str | None = None


class Workspaces:
    """Routes users to the client of their workspace. ``Workspaces(client)``: one workspace."""

    def __init__(
        self,
        client: WebClient | None = None,
        *,
        client_id: str | None = None,
        make_client: Callable[[str], WebClient] | None = None,
    ) -> None:
        self.client = client
        self.client_id = client_id
        self.make_client = make_client
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    @property
    def multi(self) -> bool:
        return self.client_id is not None and self.make_client is not None

    def route(self, session: Session, user: User, now: datetime) -> Route:
        """Raises ``SlackApiError`` for Slack failures worth retrying later."""
        if not self.multi:
            assert self.client is not None
            slack_id = slack_id_for(session, user, self.client, now)
            return Route(
                self.client if slack_id else None, slack_id, reason=None if slack_id else _unlinked(user)
            )
        tokens = self.bot_tokens(session)
        identity = session.get(SlackIdentity, user.id)
        if identity is not None and identity.team_id is not None:
            token = tokens.get(identity.team_id)
            if token is None:
                return Route(
                    None, None, identity.team_id, reason=f"workspace {identity.team_id} uninstalled the app"
                )
            slack_id = user.slack_user_id or identity.slack_user_id
            return Route(self._client(token), slack_id, identity.team_id)
        if identity is not None and now - identity.looked_up_at < RECHECK and identity.slack_user_id is None:
            return Route(None, None, reason=_unlinked(user))
        for team_id, token in sorted(tokens.items()):
            client = self._client(token)
            slack_id = _find(client, user)
            if slack_id is not None:
                _remember(session, user, slack_id, team_id, now)
                return Route(client, slack_id, team_id)
        _remember(session, user, None, None, now)
        return Route(None, None, reason=_unlinked(user))

    def bot_tokens(self, session: Session) -> dict[str, str]:
        """The latest bot token of each installed workspace (team id -> token)."""
        bots = Base.metadata.tables[BOTS_TABLE]
        latest = (
            select(bots.c.team_id, func.max(bots.c.installed_at).label("at"))
            .where(bots.c.client_id == self.client_id, bots.c.team_id.is_not(None))
            .group_by(bots.c.team_id)
            .subquery()
        )
        rows = session.execute(
            select(bots.c.team_id, bots.c.bot_token).join(
                latest, (latest.c.team_id == bots.c.team_id) & (latest.c.at == bots.c.installed_at)
            )
        )
        return {row.team_id: row.bot_token for row in rows if row.bot_token}

    def _client(self, token: str) -> WebClient:
        assert self.make_client is not None
        with self._lock:
            if token not in self._clients:
                self._clients[token] = self.make_client(token)
            return self._clients[token]


def _unlinked(user: User) -> str:
    return f"no Slack user with the email {user.email}"


def _find(client: WebClient, user: User) -> str | None:
    try:
        if user.slack_user_id:
            client.users_info(user=user.slack_user_id)
            return user.slack_user_id
        response: Any = client.users_lookupByEmail(email=user.email)
    except SlackApiError as exc:
        if exc.response.get("error") in NOT_FOUND:
            return None
        raise
    return str(response["user"]["id"])


def _remember(session: Session, user: User, slack_id: str | None, team_id: str | None, now: datetime) -> None:
    identity = session.get(SlackIdentity, user.id)
    if identity is None:
        identity = SlackIdentity(user_id=user.id, source="email_lookup", looked_up_at=now)
        session.add(identity)
    identity.slack_user_id = slack_id
    identity.team_id = team_id
    identity.looked_up_at = now


def delivery_workspaces(settings: Settings) -> Workspaces:
    """The digest's clients for the configuration: per workspace with OAuth, else the one bot token's
    (``SlackNotConfigured`` when neither is set)."""
    if settings.slack_client_id:
        return Workspaces(
            client_id=settings.slack_client_id, make_client=lambda token: delivery_client(token, settings)
        )
    return Workspaces(delivery_client(settings=settings))
