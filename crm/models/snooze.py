"""Snoozed tasks: a task the user postponed from a digest or the Home tab is hidden from both until
``until``. Guided actions keep their snooze on ``actions.snoozed_until``; a task is a CRM record, so its
snooze lives beside it rather than in the imported data (a re-import must not wake it up)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class TaskSnooze(Base):
    __tablename__ = "task_snoozes"

    activity_id: Mapped[str] = mapped_column(fk("activities.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(fk("users.id", ondelete="CASCADE"), index=True)
    until: Mapped[datetime]
    snoozed_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"TaskSnooze(activity_id={self.activity_id!r}, until={self.until!r})"
