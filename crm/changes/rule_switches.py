"""Switching guided-action rules on and off (see ``crm.queries.rule_switches``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from crm.models import Org, User, UserPreference
from crm.models.org import ORG_ROW_ID
from crm.permissions import PermissionDenied


def _checked(rules: Iterable[str], known: Collection[str]) -> list[str]:
    codes = sorted(set(rules))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValueError(f"no such rule: {', '.join(unknown)}")
    return codes


def set_user_rules_off(
    session: Session, user: User, rules: Iterable[str], known: Collection[str], now: datetime
) -> None:
    """The rules ``user`` does not want to see (replacing their earlier choice); ``ValueError`` for a code not
    in ``known`` (the registry's, given by the caller: the store does not import the rules)."""
    codes = _checked(rules, known)
    found = session.get(UserPreference, user.id, with_for_update=True)
    if found is None:
        found = UserPreference(user_id=user.id, follow_up_prompt=True)
        session.add(found)
    found.rules_off = codes
    found.updated_at = now
    session.flush()


def set_org_rules_off(session: Session, actor: User, rules: Iterable[str], known: Collection[str]) -> None:
    """The rules nobody in the org sees; super admins only."""
    if not actor.is_super_admin:
        raise PermissionDenied("only a super admin may switch rules off for the organisation")
    codes = _checked(rules, known)
    org = session.get(Org, ORG_ROW_ID, with_for_update=True)
    if org is None:
        org = Org(id=ORG_ROW_ID)
        session.add(org)
    org.rules_off = codes
    session.flush()
