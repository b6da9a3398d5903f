"""Who a CRM user is in Slack, cached: the dataset's ``slack_user_id`` wins; otherwise the id found by
``users.lookupByEmail`` (or an event's user whose profile email matched) is kept here, with when it was
looked up, so a user Slack does not know is not looked up again on every scheduler tick."""

from __future__ import annotations

from datetime import datetime

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
    source: Mapped[str] = mapped_column(String(16))  # "email_lookup" | "event"
    looked_up_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"SlackIdentity(user_id={self.user_id!r}, slack_user_id={self.slack_user_id!r})"
