"""Who among a group of readers (a channel's members, mapped to CRM users) may view a record, and the
activities something shown to them rests on. Asked through ``crm.permissions`` for each reader, so a channel
sees exactly what its least-privileged member may.

Each question is an execution of a statement built once per permission shape (``visible(..., bound=True)``):
the same condition as every other read, with the reader's ids as parameters. Readers of one shape and team
are asked together first (see ``_denied``), so a channel of one team costs one query, not one per member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, bindparam, func, select
from sqlalchemy.orm import Session

from crm.models import Activity, SlackIdentity, User
from crm.permissions import MODELS, Kind, permission_params, permission_shape, visible
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


def _exists(session: Session, kind: Kind, record_id: str) -> bool:
    model = MODELS[kind]
    return session.scalar(select(model.id).where(model.id == record_id)) is not None


_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}


def _record_check(kind: Kind, user: User) -> Select[Any]:
    """Is the record (``record_id``) visible to the viewer in the bind parameters: built once per kind and
    permission shape, so checking 200 readers costs 200 executions of one compiled statement."""
    key = ("record", kind, permission_shape(user))
    if key not in _STATEMENTS:
        model = MODELS[kind]
        stand_in = _stand_in(user)
        stmt = select(model.id).where(model.id == bindparam("record_id"))
        _STATEMENTS[key] = visible(stmt, stand_in, kind, bound=True)
    return _STATEMENTS[key]


def _activities_check(user: User) -> Select[Any]:
    """How many of the activities (``activity_ids``) the viewer in the bind parameters may view."""
    key = ("activities", permission_shape(user))
    if key not in _STATEMENTS:
        ids: Any = bindparam("activity_ids", expanding=True)
        stmt = select(func.count(Activity.id)).where(Activity.id.in_(ids))
        _STATEMENTS[key] = visible(stmt, _stand_in(user), "activities", bound=True)
    return _STATEMENTS[key]


def _groups(readers: Sequence[User]) -> list[list[User]]:
    groups: dict[tuple[Any, ...], list[User]] = {}
    for user in readers:
        groups.setdefault((permission_shape(user), user.team_id), []).append(user)
    return list(groups.values())


def _denied(
    connection: Connection,
    readers: Sequence[User],
    build: Callable[[User], Select[Any]],
    params: dict[str, Any],
    ok: Callable[[Any], bool],
    first_only: bool,
) -> list[User]:
    """The readers for whom ``ok(result)`` is false. Readers of one shape and team are asked once as a member
    who owns nothing (viewer id ""): the condition only grows with the viewer's own records, so a yes holds
    for each of them; after a no each is asked alone."""
    out: list[User] = []
    for group in _groups(readers):
        stmt = build(group[0])
        nobody = {"viewer_id": "", "viewer_team_id": group[0].team_id, **params}
        if len(group) > 1 and ok(connection.execute(stmt, nobody)):
            continue
        for user in group:
            if not ok(connection.execute(stmt, {**permission_params(user), **params})):
                out.append(user)
                if first_only:
                    return out
    return out


def refused(
    session: Session, readers: Sequence[User], kind: Kind, record_id: str, *, first_only: bool = False
) -> list[User]:
    """The readers who may not view the record (all of them when it does not exist); with ``first_only``,
    at most the first one found (enough to know that not everyone may)."""
    if not _exists(session, kind, record_id):
        return list(readers[:1] if first_only else readers)
    return _denied(
        session.connection(),  # Core execution: the ORM's per-statement overhead, 200 times, shows
        readers,
        lambda user: _record_check(kind, user),
        {"record_id": record_id},
        lambda result: result.first() is not None,
        first_only,
    )


def refused_activities(
    session: Session, readers: Sequence[User], activity_ids: Iterable[str], *, first_only: bool = False
) -> list[User]:
    """The readers who may not view every one of the activities (a private one: everyone but its owner)."""
    ids = sorted(set(activity_ids))
    if not ids:
        return []
    return _denied(
        session.connection(),
        readers,
        _activities_check,
        {"activity_ids": ids},
        lambda result: (result.scalar() or 0) >= len(ids),
        first_only,
    )


def _stand_in(user: User) -> User:
    """A user of the same permission shape and no ids (the statements take the ids as parameters), so a
    cached statement holds nothing of the first user it was built for."""
    return User(
        id="?",
        email="?",
        name="?",
        role=user.role,
        team_id=user.team_id and "?",
        access_contacts=user.access_contacts,
        access_companies=user.access_companies,
        access_deals=user.access_deals,
        access_leads=user.access_leads,
        access_activities=user.access_activities,
    )
