"""The HubSpot write-back queue (an outbox) and the webhook deliveries already handled.

- ``hubspot_writeback``: one row per change a rep made in Slack that HubSpot must receive, stored in the same
  transaction as the local change (``crm.changes.writeback``). ``change`` is what Salesbot changed, in
  Salesbot's terms (``{"status": ["not_started", "completed"]}``: before and after); the sender
  (``hubspot_connector.writeback``) turns it into HubSpot properties when it sends, so the HubSpot ids of
  associated records are looked up at that time. ``ref`` is the entry's unique reference, written into the
  ``salesbot_ref`` property of a record it creates (HubSpot refuses a second record with the same value).
  ``state``: ``pending`` -> ``sent`` | ``conflict`` (HubSpot's value kept) | ``failed`` (a final refusal; the
  Retry button puts it back to ``pending``). A sender claims an entry by setting ``lease_until``; another
  sender skips it until the lease ends. ``written`` and ``sent_at`` are what HubSpot received (webhooks and
  the sync recognise Salesbot's own change echoed back). The Slack fields say whom to tell and which surface
  to update: the message ``channel``/``message_ts`` (a digest), or the Home tab in state ``home`` (a click
  in Home, or a modal opened from it; ``""`` is Home as it opens).
- ``hubspot_webhook_events``: webhook ``eventId``s already handled (HubSpot retries a delivery).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base

WRITEBACK_STATES = ("pending", "sent", "conflict", "failed")


class WritebackEntry(Base):
    __tablename__ = "hubspot_writeback"
    __table_args__ = (
        Index("ix_hubspot_writeback_state_next", "state", "next_attempt_at"),
        Index("ix_hubspot_writeback_record", "object_type", "record_id"),
        Index("ix_hubspot_writeback_actor", "actor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # "complete_task", "log_activity", ...
    operation: Mapped[str] = mapped_column(String(8))  # "update" | "create"
    object_type: Mapped[str] = mapped_column(String(32))  # HubSpot's: "tasks", "deals", ...
    record_id: Mapped[str]  # the Salesbot id of the record changed or created
    change: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    hubspot_id: Mapped[str | None] = mapped_column(String(64))
    written: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)  # the line told to the rep
    actor_id: Mapped[str | None]
    slack_user: Mapped[str | None] = mapped_column(String(32))
    slack_team: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    home: Mapped[str | None] = mapped_column(Text)  # the Home tab's state, when the change came from Home
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return (
            f"WritebackEntry(id={self.id!r}, kind={self.kind!r}, record_id={self.record_id!r}, "
            f"state={self.state!r})"
        )


class HubSpotWebhookEvent(Base):
    __tablename__ = "hubspot_webhook_events"
    __table_args__ = (Index("ix_hubspot_webhook_events_received", "received_at"),)

    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"HubSpotWebhookEvent(event_id={self.event_id!r})"
