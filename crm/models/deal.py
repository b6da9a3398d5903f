"""Deals with their contacts, score history and close-date history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKeyConstraint, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import DEFERRABLE, Base, fk


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        ForeignKeyConstraint(["pipeline_id", "stage_id"], ["stages.pipeline_id", "stages.id"], **DEFERRABLE),
        Index("ix_deals_pipeline_stage", "pipeline_id", "stage_id"),
    )

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    owner_id: Mapped[str | None] = mapped_column(fk("users.id"), index=True)
    owner_assigned_at: Mapped[datetime | None]
    pipeline_id: Mapped[str] = mapped_column(fk("pipelines.id"))
    stage_id: Mapped[str]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    close_date: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    next_steps: Mapped[str | None] = mapped_column(Text)
    next_steps_updated_at: Mapped[datetime | None]
    company_id: Mapped[str | None] = mapped_column(fk("companies.id"), index=True)

    contacts: Mapped[list[DealContact]] = relationship(
        cascade="all, delete-orphan", order_by="DealContact.position"
    )
    score_history: Mapped[list[DealScore]] = relationship(
        cascade="all, delete-orphan", order_by="DealScore.position"
    )
    close_date_history: Mapped[list[DealCloseDate]] = relationship(
        cascade="all, delete-orphan", order_by="DealCloseDate.position"
    )

    def __repr__(self) -> str:
        return f"Deal(id={self.id!r}, name={self.name!r}, stage_id={self.stage_id!r})"


class DealContact(Base):
    """A contact associated with a deal; ``position`` keeps the dataset's order ("its first contact")."""

    __tablename__ = "deal_contacts"

    deal_id: Mapped[str] = mapped_column(fk("deals.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[str] = mapped_column(fk("contacts.id"), primary_key=True, index=True)
    position: Mapped[int]

    def __repr__(self) -> str:
        return f"DealContact(deal_id={self.deal_id!r}, contact_id={self.contact_id!r})"


class DealScore(Base):
    __tablename__ = "deal_scores"

    deal_id: Mapped[str] = mapped_column(fk("deals.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    score: Mapped[float]

    def __repr__(self) -> str:
        return f"DealScore(deal_id={self.deal_id!r}, at={self.at!r}, score={self.score})"


class DealCloseDate(Base):
    __tablename__ = "deal_close_dates"

    deal_id: Mapped[str] = mapped_column(fk("deals.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    close_date: Mapped[date] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"DealCloseDate(deal_id={self.deal_id!r}, at={self.at!r}, close_date={self.close_date!r})"
