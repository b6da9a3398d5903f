"""CRM users: role, team, time zone, Slack id, per-kind access levels, digest settings and goals."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, fk

DEFAULT_WEEKDAYS = [1, 2, 3, 4, 5]


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    SUPER_ADMIN = "super_admin"


class Access(StrEnum):
    ALL = "all"
    TEAM = "team"
    OWNED = "owned"


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str]
    team_id: Mapped[str | None] = mapped_column(fk("teams.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=Role.REP)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    slack_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # Access levels as given in the dataset; None means "the role's default" (see effective_access).
    access_contacts: Mapped[str | None] = mapped_column(String(8))
    access_companies: Mapped[str | None] = mapped_column(String(8))
    access_deals: Mapped[str | None] = mapped_column(String(8))
    access_leads: Mapped[str | None] = mapped_column(String(8))
    access_activities: Mapped[str | None] = mapped_column(String(8))
    digest_enabled: Mapped[bool] = mapped_column(default=True)
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    digest_weekdays: Mapped[list[Any]] = mapped_column(JSON, default=lambda: list(DEFAULT_WEEKDAYS))
    digest_send_when_empty: Mapped[bool] = mapped_column(default=False)
    # Managers: a team digest after their own each morning (``users[].digest.team``).
    digest_team: Mapped[bool] = mapped_column(default=False, server_default=false())

    goals: Mapped[list[UserGoal]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserGoal.position"
    )

    def effective_access(self, kind: str) -> Access:
        """The access level for ``kind`` (contacts, companies, deals, leads, activities)."""
        given = getattr(self, f"access_{kind}")
        if given is not None:
            return Access(given)
        return Access.TEAM if self.role == Role.MANAGER else Access.OWNED

    @property
    def is_super_admin(self) -> bool:
        return self.role == Role.SUPER_ADMIN

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.email

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, email={self.email!r}, role={self.role!r})"


class UserGoal(Base):
    __tablename__ = "user_goals"

    user_id: Mapped[str] = mapped_column(fk("users.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))
    target: Mapped[int]

    user: Mapped[User] = relationship(back_populates="goals")

    def __repr__(self) -> str:
        return f"UserGoal(user_id={self.user_id!r}, metric={self.metric!r}, target={self.target})"
