"""``clock_ticks``: when each job of ``salesbot clock`` last finished, for ``/healthz`` (one row per job)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, UTCDateTime


class ClockTick(Base):
    __tablename__ = "clock_ticks"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    ms: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"ClockTick(job={self.job!r}, at={self.at!r}, ok={self.ok!r})"
