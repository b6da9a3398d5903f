"""Companies (accounts); some are target accounts."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    domain: Mapped[str | None] = mapped_column(index=True)
    owner_id: Mapped[str | None] = mapped_column(fk("users.id"), index=True)
    target_account: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"Company(id={self.id!r}, name={self.name!r})"
