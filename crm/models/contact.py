"""Contacts: people at companies, owned by a user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(default="")
    last_name: Mapped[str] = mapped_column(default="")
    email: Mapped[str | None] = mapped_column(String(320))
    # Lower-cased copy of ``email``: addresses compare case-insensitively everywhere (docs/guided-actions.md).
    email_lower: Mapped[str | None] = mapped_column(String(320), index=True)
    company_id: Mapped[str | None] = mapped_column(fk("companies.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(fk("users.id"), index=True)
    owner_assigned_at: Mapped[datetime | None]
    lifecycle_stage: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime | None]

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or (self.email or self.id)

    def __repr__(self) -> str:
        return f"Contact(id={self.id!r}, email={self.email!r})"
