"""Who may change an activity: its owner, or a super admin, provided the permission filter lets them view
it (a private activity is its owner's alone, super admins included)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import Activity, User
from crm.permissions import PermissionDenied, visible


def owned_activity(session: Session, actor: User, activity_id: str, activity_type: str) -> Activity:
    """The activity, locked for the change, or ``PermissionDenied`` (missing, hidden, another type, or not
    the actor's to change: all refused alike)."""
    stmt = visible(
        select(Activity).where(Activity.id == activity_id, Activity.type == activity_type),
        actor,
        "activities",
    )
    activity = session.scalars(stmt.with_for_update()).first()
    if activity is None or not (actor.is_super_admin or activity.owner_id == actor.id):
        raise PermissionDenied(f"you may not change that {activity_type}")
    return activity
