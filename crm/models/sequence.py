"""Sales sequences and the enrollments of contacts in them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class Sequence(Base):
    __tablename__ = "sequences"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]

    def __repr__(self) -> str:
        return f"Sequence(id={self.id!r}, name={self.name!r})"


class Enrollment(Base):
    __tablename__ = "enrollments"

    id: Mapped[str] = mapped_column(primary_key=True)
    sequence_id: Mapped[str] = mapped_column(fk("sequences.id"), index=True)
    contact_id: Mapped[str] = mapped_column(fk("contacts.id"), index=True)
    user_id: Mapped[str | None] = mapped_column(fk("users.id"), index=True)
    enrolled_at: Mapped[datetime | None]
    status: Mapped[str | None] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"Enrollment(id={self.id!r}, sequence_id={self.sequence_id!r}, contact_id={self.contact_id!r})"
