"""Type-ahead over records a user may log an activity on (the "Log to CRM" shortcut's picker): deals and
contacts they may view (``crm.permissions``) and may change (``crm.changes.records.may_change``: their own,
or any they may view for a manager or super admin), whose name contains the typed text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import Session

from crm.models import Contact, Deal, Role, User
from crm.permissions import visible

LIMIT = 10


@dataclass(frozen=True)
class Pick:
    kind: str  # "deal" | "contact"
    id: str
    label: str


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _mine(user: User, owner: Any) -> Any:
    return literal(True) if user.role in (Role.MANAGER, Role.SUPER_ADMIN) else owner == user.id


def loggable_records(session: Session, user: User, text: str, limit: int = LIMIT) -> list[Pick]:
    pattern = _like(text)
    deals = session.execute(
        visible(
            select(Deal.id, Deal.name)
            .where(func.lower(Deal.name).like(pattern, escape="\\"), _mine(user, Deal.owner_id))
            .order_by(Deal.name, Deal.id)
            .limit(limit),
            user,
            "deals",
        )
    ).all()
    name = func.lower(Contact.first_name + " " + Contact.last_name)
    contacts = session.execute(
        visible(
            select(Contact.id, Contact.first_name, Contact.last_name, Contact.email)
            .where(
                or_(name.like(pattern, escape="\\"), func.lower(Contact.email).like(pattern, escape="\\")),
                _mine(user, Contact.owner_id),
            )
            .order_by(Contact.last_name, Contact.first_name, Contact.id)
            .limit(limit),
            user,
            "contacts",
        )
    ).all()
    picks = [Pick("deal", d.id, d.name) for d in deals]
    for c in contacts:
        full = f"{c.first_name} {c.last_name}".strip() or c.email or c.id
        picks.append(Pick("contact", c.id, f"{full} ({c.email})" if c.email and full != c.email else full))
    return picks
