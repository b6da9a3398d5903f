"""Guided actions: what the rule engine (``rules/``) suggests to each user, and what the user did with it.

One row per (rule, key, user), never re-created once it exists whatever state it ended in
(docs/guided-actions.md, "Life of an action"). The subject and the association snapshot (``contact_id``,
``company_id``) are plain strings rather than foreign keys: history must survive later changes to the CRM.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import ID_LENGTH, Base, fk

# Keys are built from one or two CRM ids (rules/sql.py ``key_of``): room for two ids and a separator.
KEY_LENGTH = 2 * ID_LENGTH + 16


class ActionState(StrEnum):
    OPEN = "open"
    SNOOZED = "snoozed"
    COMPLETED = "completed"
    DISMISSED = "dismissed"
    EXPIRED = "expired"


# The states in which an action is still alive (shown now, or later when its snooze ends).
LIVE_STATES = (ActionState.OPEN.value, ActionState.SNOOZED.value)


class Feedback(StrEnum):
    KEEP_IT_UP = "keep_it_up"
    NOT_REALLY = "not_really"


class Action(Base):
    __tablename__ = "actions"
    __table_args__ = (
        # Keys are never re-created, whatever state the first action ended in.
        UniqueConstraint("rule", "key", "user_id"),
        # At most one live action per rule, subject and user: the last line of defence if two evaluations
        # race (the engine already filters these out).
        Index(
            "uq_actions_live_subject",
            "rule",
            "subject_type",
            "subject_id",
            "user_id",
            unique=True,
            sqlite_where=text("state IN ('open', 'snoozed')"),
            postgresql_where=text("state IN ('open', 'snoozed')"),
        ),
        # One action per incoming email and user among R10, R05 and R09, ever (the precedence of
        # docs/guided-actions.md, "One action per email").
        Index(
            "uq_actions_one_per_email",
            "subject_id",
            "user_id",
            unique=True,
            sqlite_where=text("rule IN ('R05', 'R09', 'R10')"),
            postgresql_where=text("rule IN ('R05', 'R09', 'R10')"),
        ),
        Index("ix_actions_user_state", "user_id", "state"),
        Index("ix_actions_rule_state", "rule", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule: Mapped[str] = mapped_column(String(3))
    user_id: Mapped[str] = mapped_column(fk("users.id"))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    subject_type: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[str]
    # Association snapshot taken at creation.
    contact_id: Mapped[str | None]
    company_id: Mapped[str | None]
    category: Mapped[str] = mapped_column(String(12))  # "closing" | "prospecting", decided at creation
    state: Mapped[str] = mapped_column(String(12), default=ActionState.OPEN.value)
    expired_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    acted_by: Mapped[str | None] = mapped_column(fk("users.id"))
    feedback: Mapped[str | None] = mapped_column(String(16))
    feedback_comment: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None]
    feedback_by: Mapped[str | None] = mapped_column(fk("users.id"))

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    def __repr__(self) -> str:
        return (
            f"Action(id={self.id!r}, rule={self.rule!r}, user_id={self.user_id!r}, key={self.key!r}, "
            f"state={self.state!r})"
        )
