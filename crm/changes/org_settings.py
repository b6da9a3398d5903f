"""Organisation-wide settings a super admin changes from Slack: how record links unfurl in channels."""

from __future__ import annotations

from sqlalchemy.orm import Session

from crm.models import Org, User
from crm.models.org import DEFAULT_UNFURL, ORG_ROW_ID, UNFURL_MODES
from crm.permissions import PermissionDenied


def unfurl_mode(session: Session) -> str:
    org = session.get(Org, ORG_ROW_ID)
    return org.unfurl if org is not None else DEFAULT_UNFURL


def set_unfurl(session: Session, actor: User, mode: str) -> bool:
    """Set ``org.unfurl``; whether that changed anything. Super admins only."""
    if not actor.is_super_admin:
        raise PermissionDenied("only a super admin may change how links unfurl")
    if mode not in UNFURL_MODES:
        raise ValueError(f"choose one of {', '.join(UNFURL_MODES)}")
    org = session.get(Org, ORG_ROW_ID, with_for_update=True)
    if org is None:
        org = Org(id=ORG_ROW_ID)
        session.add(org)
    changed = org.unfurl != mode
    org.unfurl = mode
    session.flush()
    return changed
