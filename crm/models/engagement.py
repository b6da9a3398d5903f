"""Engagement events of contacts (opens, clicks, page views, form submissions...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class EngagementEvent(Base):
    __tablename__ = "engagement_events"
    __table_args__ = (Index("ix_engagement_events_contact_at", "contact_id", "at"),)

    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(fk("contacts.id"))
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(index=True)
    detail: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"EngagementEvent(id={self.id!r}, contact_id={self.contact_id!r}, type={self.type!r})"
