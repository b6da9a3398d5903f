"""The one permission filter: every read of CRM records for a user goes through here.

``visible(stmt, user, kind)`` narrows any ``select()`` over a kind's model to the rows the user may view, as
a SQL condition (never by filtering in Python). ``can_view`` answers the question for one record with the
same condition, so the two can never disagree.

A user may view a record when they are a super admin, their access level for the record's kind is ``all``,
it is ``team`` and the record's owner is in the user's team or one of its descendant teams, or the user
owns the record. Private activities are visible to their owner alone, super admins included
(docs/dataset.md, "Who may view a record").

``bound=True`` states the same condition with the user's ids as bind parameters (``viewer_id``,
``viewer_team_id``; values from ``permission_params(user)``), so a statement built once serves every user of
the same ``permission_shape``: a surface that runs the same queries for many users (the digest) builds them
once per shape instead of once per user.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    exists,
    false,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from crm.models import Activity, Company, Contact, Deal, EngagementEvent, Lead, Team, User
from crm.models.user import Access

Kind = Literal["contacts", "companies", "deals", "leads", "activities", "engagement_events"]
KINDS: tuple[Kind, ...] = ("contacts", "companies", "deals", "leads", "activities", "engagement_events")

MODELS: dict[str, Any] = {
    "contacts": Contact,
    "companies": Company,
    "deals": Deal,
    "leads": Lead,
    "activities": Activity,
    "engagement_events": EngagementEvent,
}

SINGULAR = {
    "contacts": "contact",
    "companies": "company",
    "deals": "deal",
    "leads": "lead",
    "activities": "activity",
    "engagement_events": "engagement event",
}

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


class PermissionDenied(Exception):
    """The acting user may not view or change the record. The message never describes the record."""


def team_subtree(team_id: str | BindParameter[str]) -> Select[str]:
    """Ids of ``team_id`` and all its descendant teams, as a recursive CTE (evaluated by the database)."""
    tree = select(Team.id).where(Team.id == team_id).cte("team_tree", recursive=True)
    tree = tree.union_all(select(Team.id).where(Team.parent_id == tree.c.id))
    return select(tree.c.id)


@lru_cache(maxsize=1024)
def team_members(team_id: str) -> Select[str]:
    """Ids of the users of ``team_id`` and its descendant teams, as SQL (evaluated by the database).

    Cached per team id: the statement holds no data, only the team id, and building the recursive CTE took
    most of the time of a permission-filtered query (a digest makes several per user)."""
    return select(User.id).where(User.team_id.in_(team_subtree(team_id)))


@lru_cache(maxsize=1)
def bound_team_members() -> Select[str]:
    """``team_members`` of the team given as the ``viewer_team_id`` parameter."""
    return select(User.id).where(User.team_id.in_(team_subtree(bindparam("viewer_team_id", type_=String()))))


def permission_shape(user: User) -> tuple[Any, ...]:
    """What the SQL of ``visible_clause(user, kind, bound=True)`` depends on, for every kind: two users with
    the same shape share the bound statements."""
    levels = (user.effective_access(kind) for kind in KINDS if kind != "engagement_events")
    return (user.is_super_admin, user.team_id is not None, *levels)


def permission_params(user: User) -> dict[str, Any]:
    """The values of the bind parameters of ``visible_clause(user, kind, bound=True)``."""
    return {"viewer_id": user.id, "viewer_team_id": user.team_id}


def owner_clause(
    user: User, owner_id: ColumnElement[Any], access: Access, *, bound: bool = False
) -> ColumnElement[bool]:
    """Who-owns-it part of the rule for a record whose owner column is ``owner_id``."""
    if user.is_super_admin or access == Access.ALL:
        return true()
    mine = owner_id == _viewer_id(user, bound)
    if access == Access.TEAM and user.team_id is not None:
        return or_(mine, owner_id.in_(bound_team_members() if bound else team_members(user.team_id)))
    return mine


def visible_clause(user: User, kind: Kind, *, bound: bool = False) -> ColumnElement[bool]:
    """The SQL condition, over ``MODELS[kind]``, true for exactly the rows ``user`` may view."""
    if kind == "engagement_events":
        # An engagement event is part of its contact: visible with the contact.
        contact_ok = select(literal(1)).where(
            Contact.id == EngagementEvent.contact_id, visible_clause(user, "contacts", bound=bound)
        )
        return exists(contact_ok)
    model = MODELS[kind]
    clause = owner_clause(user, model.owner_id, user.effective_access(kind), bound=bound)
    if kind == "activities":
        # Private activities: their owner alone, whatever the role.
        clause = and_(
            clause, or_(Activity.private.is_(false()), Activity.owner_id == _viewer_id(user, bound))
        )
    return clause


def visible(stmt: S, user: User, kind: Kind, *, bound: bool = False) -> S:
    """``stmt`` narrowed to the rows of ``kind`` that ``user`` may view."""
    return stmt.where(visible_clause(user, kind, bound=bound))


def _viewer_id(user: User, bound: bool) -> Any:
    return bindparam("viewer_id", type_=String()) if bound else user.id


def can_view(session: Session, user: User, kind: Kind, record_id: str) -> bool:
    model = MODELS[kind]
    stmt = visible(select(model.id).where(model.id == record_id), user, kind)
    return session.execute(stmt).first() is not None


def require_view(session: Session, user: User, kind: Kind, record_id: str) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may view the record (missing records are denied alike)."""
    if not can_view(session, user, kind, record_id):
        raise PermissionDenied(f"you may not view that {SINGULAR[kind]}")
