"""Slack-side state kept in our database.

- ``slack_identities``: who a CRM user is in Slack, cached: the dataset's ``slack_user_id`` wins; otherwise
  the id found by ``users.lookupByEmail`` (or an event's user whose profile email matched) is kept here,
  with when it was looked up, so a user Slack does not know is not looked up again on every scheduler tick.
- ``slack_events``: event ids already handled, so Slack's retries do not repeat effects.
- ``slack_installations``, ``slack_bots``, ``slack_oauth_states``: slack_sdk's OAuth stores' tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class SlackIdentity(Base):
    __tablename__ = "slack_identities"

    user_id: Mapped[str] = mapped_column(fk("users.id", ondelete="CASCADE"), primary_key=True)
    # None: Slack had no user with this email when last asked.
    slack_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # The direct-message channel with the bot, once known.
    dm_channel: Mapped[str | None] = mapped_column(String(32))
    # The workspace (team id) the Slack user was found in, for OAuth (multi-workspace) installs.
    team_id: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # "email_lookup" | "event"
    looked_up_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"SlackIdentity(user_id={self.user_id!r}, slack_user_id={self.slack_user_id!r})"


class SlackEvent(Base):
    """Events API deliveries already handled, by ``event_id``: Slack retries an event it thinks was not
    received (``X-Slack-Retry-Num``), and the retry must not repeat its effects."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"SlackEvent(event_id={self.event_id!r}, event_type={self.event_type!r})"


# The OAuth installation and state tables of slack_sdk's SQLAlchemy stores, on our metadata so that our
# migrations create them (the stores' own ``create_tables`` is never called). Written out as the stores'
# ``build_*_table`` make them, because importing the stores (slack_sdk's OAuth package, SQLAlchemy's asyncio
# extension) would cost every command that loads the models; tests/crm/test_slack_oauth_tables.py checks
# that they stay equal to what slack_sdk builds.
INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"


def _ids(*, user: bool) -> list[Column[Any]]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        *([Column("enterprise_url", String(200))] if user else []),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
    ]


Table(
    INSTALLATIONS_TABLE,
    Base.metadata,
    *_ids(user=True),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(f"{INSTALLATIONS_TABLE}_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)
Table(
    BOTS_TABLE,
    Base.metadata,
    *_ids(user=False),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(f"{BOTS_TABLE}_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)
Table(
    OAUTH_STATES_TABLE,
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
