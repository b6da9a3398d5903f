"""Leads: a contact being qualified, moving through a lead pipeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import DEFERRABLE, Base, fk


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        ForeignKeyConstraint(["pipeline_id", "stage_id"], ["stages.pipeline_id", "stages.id"], **DEFERRABLE),
        Index("ix_leads_pipeline_stage", "pipeline_id", "stage_id"),
    )

    id: Mapped[str] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(fk("contacts.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(fk("users.id"), index=True)
    owner_assigned_at: Mapped[datetime | None]
    pipeline_id: Mapped[str] = mapped_column(fk("pipelines.id"))
    stage_id: Mapped[str]
    created_at: Mapped[datetime | None]
    disqualified_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"Lead(id={self.id!r}, contact_id={self.contact_id!r}, stage_id={self.stage_id!r})"
