"""Organisation-wide settings: one row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import Base

DEFAULT_FINAL_LIFECYCLE_STAGES = ["customer", "evangelist"]
ORG_ROW_ID = 1
# How links to CRM records unfurl in channels (issue 18): never, always as the minimal card, or in full when
# every member of the channel may view the record.
UNFURL_MODES = ("off", "preview_only", "when_all_may_view")
DEFAULT_UNFURL = "when_all_may_view"


class Org(Base):
    __tablename__ = "org"

    id: Mapped[int] = mapped_column(primary_key=True, default=ORG_ROW_ID)
    name: Mapped[str] = mapped_column(default="")
    final_lifecycle_stages: Mapped[list[Any]] = mapped_column(
        JSON, default=lambda: list(DEFAULT_FINAL_LIFECYCLE_STAGES)
    )
    customer_analysis_enabled: Mapped[bool] = mapped_column(default=True)
    sensitive_data_enabled: Mapped[bool] = mapped_column(default=False)
    unfurl: Mapped[str] = mapped_column(String(32), default=DEFAULT_UNFURL, server_default=DEFAULT_UNFURL)
    # {"deal": "https://crm.example.com/deals/{id}", "contact": ..., "company": ...}; None: no links.
    record_urls: Mapped[dict[str, str] | None] = mapped_column(JSON, default=None)
    # Guided-action rules switched off for everyone by a super admin (set from Slack, not the dataset).
    rules_off: Mapped[list[Any] | None] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"Org(name={self.name!r})"
