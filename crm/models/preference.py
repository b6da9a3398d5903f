"""Per-user preferences set from Slack (not part of the imported dataset, so a re-import keeps them): the
follow-up task prompt after completing a task, and the App Home tab the user last chose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk


class UserPreference(Base):
    __tablename__ = "user_preferences"

    user_id: Mapped[str] = mapped_column(fk("users.id", ondelete="CASCADE"), primary_key=True)
    follow_up_prompt: Mapped[bool] = mapped_column(default=True)
    home_tab: Mapped[str | None] = mapped_column(String(16))
    # Guided-action rules the user switched off for themselves (codes such as "R07").
    rules_off: Mapped[list[Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"UserPreference(user_id={self.user_id!r}, follow_up_prompt={self.follow_up_prompt})"
