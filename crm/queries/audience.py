"""Who among a group of readers (a channel's members, mapped to CRM users) may view a record, and the
activities something shown to them rests on. Asked through ``crm.permissions`` for each reader, so a channel
sees exactly what its least-privileged member may.

Readers sharing one permission question (super admins, ``all`` access) are asked once; the others one query
each, which a 200-member channel answers in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import Activity, SlackIdentity, User
from crm.permissions import MODELS, Kind, permission_shape, visible
from crm.record_links import RecordKind

KINDS: dict[RecordKind, Kind] = {"deal": "deals", "contact": "contacts", "company": "companies"}


def users_by_slack_id(session: Session, slack_ids: Iterable[str]) -> dict[str, User]:
    """CRM users of the given Slack ids known to the store (the dataset's id, else a remembered lookup)."""
    ids = sorted(set(slack_ids))
    found: dict[str, User] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for user in session.scalars(select(User).where(User.slack_user_id.in_(chunk))):
            found[str(user.slack_user_id)] = user
        rows = session.execute(
            select(SlackIdentity.slack_user_id, User)
            .join(User, User.id == SlackIdentity.user_id)
            .where(SlackIdentity.slack_user_id.in_(chunk), User.slack_user_id.is_(None))
        )
        for slack_id, user in rows:
            found.setdefault(str(slack_id), user)
    return found


def _unrestricted(user: User, kind: Kind) -> bool:
    return user.is_super_admin or user.effective_access(kind) == "all"


def _exists(session: Session, kind: Kind, record_id: str) -> bool:
    model = MODELS[kind]
    return session.scalar(select(model.id).where(model.id == record_id)) is not None


def refused(session: Session, readers: Sequence[User], kind: Kind, record_id: str) -> list[User]:
    """The readers who may not view the record (all of them when it does not exist)."""
    if not _exists(session, kind, record_id):
        return list(readers)
    model = MODELS[kind]
    answers: dict[tuple[object, ...], bool] = {}
    out = []
    for user in readers:
        key: tuple[object, ...] = ("all",) if _unrestricted(user, kind) else (user.id, permission_shape(user))
        if key not in answers:
            stmt = visible(select(model.id).where(model.id == record_id), user, kind)
            answers[key] = session.execute(stmt).first() is not None
        if not answers[key]:
            out.append(user)
    return out


def refused_activities(session: Session, readers: Sequence[User], activity_ids: Iterable[str]) -> list[User]:
    """The readers who may not view every one of the activities (a private one: everyone but its owner)."""
    ids = sorted(set(activity_ids))
    if not ids:
        return []
    out = []
    for user in readers:
        stmt = visible(select(func.count(Activity.id)).where(Activity.id.in_(ids)), user, "activities")
        if (session.scalar(stmt) or 0) < len(ids):
            out.append(user)
    return out
