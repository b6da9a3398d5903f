"""Digest deliveries: one row per (user, local date), claimed before Slack is called.

The row is the digest's "exactly once" (docs/architecture.md): a sender claims it (insert-if-absent, or a
compare-and-set update of an expired claim or a due retry) in a short transaction of its own, calls
``chat.postMessage``, then records the message's ``channel`` and ``ts`` under the same claim token. Two
senders never both own a row; a claim left by a crashed sender is taken over once its lease ends.

``items`` keeps what the message listed (task, action and meeting ids per section), so a click can later
redraw the same message with each line's new state.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class DeliveryState(StrEnum):
    CLAIMED = "claimed"  # a sender owns it until ``lease_until``
    SENT = "sent"  # posted: ``channel`` and ``ts`` are set
    SKIPPED = "skipped"  # nothing to send today (empty day): final for the day
    RETRY = "retry"  # the last attempt failed transiently; due again at ``next_attempt_at``
    FAILED = "failed"  # Slack refused it for good (no such user, app uninstalled...): final for the day
    MISSED = "missed"  # not sent within the late window (SALESBOT_DIGEST_LATE_HOURS): final for the day
    NOT_LINKED = "not_linked"  # no Slack user for this CRM user (``last_error``: the email tried); not final


class DigestKind(StrEnum):
    OWN = "own"  # the user's morning digest
    TEAM = "team"  # a manager's team digest, sent right after their own


FINAL_STATES = (
    DeliveryState.SENT.value,
    DeliveryState.SKIPPED.value,
    DeliveryState.FAILED.value,
    DeliveryState.MISSED.value,
)


class DigestDelivery(Base):
    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "local_date", "kind"),
        Index("ix_digest_deliveries_state_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(fk("users.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(
        String(8), default=DigestKind.OWN.value, server_default=DigestKind.OWN.value
    )
    state: Mapped[str] = mapped_column(String(12))
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    items: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"DigestDelivery(user_id={self.user_id!r}, local_date={self.local_date}, state={self.state!r})"
