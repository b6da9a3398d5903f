"""Guided-action rules switched off: for the whole org (by a super admin) and by each user for themselves.

The engine keeps creating actions of a switched-off rule (switching it back on shows them again at once);
the digest and the App Home simply do not show them to a user who has the rule off, or when the org has.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from crm.models import Org, UserPreference
from crm.models.org import ORG_ROW_ID


def org_rules_off(session: Session) -> frozenset[str]:
    org = session.get(Org, ORG_ROW_ID)
    return frozenset(org.rules_off or []) if org is not None else frozenset()


def user_rules_off(session: Session, user_id: str) -> frozenset[str]:
    """The rules switched off for the user themselves (not counting the org's)."""
    found = session.get(UserPreference, user_id)
    return frozenset(found.rules_off or []) if found is not None else frozenset()


# Both lists in one statement, built once (every digest and Home build asks: two ORM ``get``s cost 2 ms).
_BOTH_OFF = select(
    select(Org.rules_off).where(Org.id == ORG_ROW_ID).scalar_subquery(),
    select(UserPreference.rules_off).where(UserPreference.user_id == bindparam("user_id")).scalar_subquery(),
)


def rules_off_for(session: Session, user_id: str) -> frozenset[str]:
    """Every rule the user does not see: the org's and their own."""
    org, own = session.execute(_BOTH_OFF, {"user_id": user_id}).one()
    return frozenset(org or []) | frozenset(own or [])


def rules_off_by_user(session: Session, user_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    ids = list(user_ids)
    org = org_rules_off(session)
    found: dict[str, frozenset[str]] = dict.fromkeys(ids, org)
    if not ids:
        return found
    rows = session.execute(
        select(UserPreference.user_id, UserPreference.rules_off).where(UserPreference.user_id.in_(ids))
    )
    for user_id, rules in rows:
        found[user_id] = org | frozenset(rules or [])
    return found
