"""Slack-side state kept in our database.

- ``slack_identities``: who a CRM user is in Slack, cached: the dataset's ``slack_user_id`` wins; otherwise
  the id found by ``users.lookupByEmail`` (or an event's user whose profile email matched) is kept here,
  with when it was looked up, so a user Slack does not know is not looked up again on every scheduler tick.
- ``slack_events``: event ids already handled, so Slack's retries do not repeat effects.
- ``slack_installations``, ``slack_bots``, ``slack_oauth_states``: slack_sdk's OAuth stores' tables.
"""

from __future__ import annotations

from datetime import datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import String
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
# migrations create them (the stores' own ``create_tables`` is never called).
INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"
SQLAlchemyInstallationStore.build_installations_table(Base.metadata, INSTALLATIONS_TABLE)
SQLAlchemyInstallationStore.build_bots_table(Base.metadata, BOTS_TABLE)
SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, OAUTH_STATES_TABLE)
