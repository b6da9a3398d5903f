"""Finding deals by what a user types (``/sales insights <deal name or id>``), among those they may view."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from crm.models import Deal, User
from crm.permissions import visible

MATCH_LIMIT = 25  # Slack shows at most 100 options; a longer list would not help anyone choose


def find_deals(session: Session, user: User, text: str, limit: int = MATCH_LIMIT) -> list[Deal]:
    """The deals ``user`` may view whose id is ``text`` or whose name contains it (case-insensitive); an
    exact id or an exact name wins outright; otherwise the matches by name."""
    text = " ".join(text.split())
    if not text:
        return []
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = visible(
        select(Deal).where(or_(Deal.id == text, func.lower(Deal.name).like(pattern, escape="\\"))),
        user,
        "deals",
    )
    found = list(session.scalars(stmt.order_by(Deal.name, Deal.id).limit(limit + 1)))
    exact = [d for d in found if d.id == text] or [d for d in found if (d.name or "").lower() == text.lower()]
    if len(exact) == 1:
        return exact
    return found[:limit]
