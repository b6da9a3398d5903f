"""Reading guided actions: a user's actions, filtered by category and state.

The digest's ranking (closing first, then the rule order of docs/guided-actions.md) belongs to the rules
(``rules.registry.ranked``); these queries order oldest first so a caller that does not rank still reads
them in a stable order.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from crm.models import Action, User

CATEGORIES = ("closing", "prospecting")


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this address, compared case-insensitively."""
    return session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def user_actions(
    user_id: str, *, category: str | None = None, states: Sequence[str] | None = ("open",)
) -> Select[Action]:
    """The user's actions in ``states`` (all states if None) and ``category`` (both if None)."""
    stmt = select(Action).where(Action.user_id == user_id)
    if states is not None:
        stmt = stmt.where(Action.state.in_(states))
    if category is not None:
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}")
        stmt = stmt.where(Action.category == category)
    return stmt.order_by(Action.created_at, Action.id)
