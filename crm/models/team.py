"""Teams form a tree through ``parent_id``; `team` access covers a team and its descendants."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    parent_id: Mapped[str | None] = mapped_column(fk("teams.id"), index=True)

    def __repr__(self) -> str:
        return f"Team(id={self.id!r}, name={self.name!r}, parent_id={self.parent_id!r})"
