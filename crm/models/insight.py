"""Deal insights: the cache of validated model answers, and what users said about an answer.

A cache entry belongs to one deal and one *visible set* (the activities, contacts and company a user's
permissions let into the prompt): two users who see different activities never share an entry.
``inputs_hash`` fingerprints everything the prompt was built from (the deal's fields and each activity's
content, standing in for update times the CRM does not keep), the model and the prompt version; an entry
whose hash no longer matches is marked stale and recomputed. Feedback rows keep the hash of the inputs of
the answer they judge, and plain strings rather than foreign keys so they outlive the deal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base, fk

HASH_LENGTH = 64  # sha256 hex


class InsightCacheEntry(Base):
    __tablename__ = "insight_cache"
    __table_args__ = (UniqueConstraint("deal_id", "visible_key", "model", "prompt_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[str] = mapped_column(fk("deals.id", ondelete="CASCADE"), index=True)
    visible_key: Mapped[str] = mapped_column(String(HASH_LENGTH))
    model: Mapped[str] = mapped_column(String(100))
    prompt_version: Mapped[str] = mapped_column(String(16))
    inputs_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    # The validated model output (summary, risks, buyer goals), never the prompt.
    output: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    stale: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return (
            f"InsightCacheEntry(deal_id={self.deal_id!r}, model={self.model!r}, "
            f"prompt_version={self.prompt_version!r}, stale={self.stale})"
        )


class InsightFeedback(Base):
    __tablename__ = "insight_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deal_id: Mapped[str] = mapped_column(index=True)
    user_id: Mapped[str]
    inputs_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    helpful: Mapped[bool]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"InsightFeedback(deal_id={self.deal_id!r}, user_id={self.user_id!r}, helpful={self.helpful})"
