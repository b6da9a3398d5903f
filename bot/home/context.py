"""Whose Home is shown to whom: the viewer (the Slack user) and the subject (themselves, or for a super admin
the user picked in "Viewing as").

A manager may open the workspace of a rep of their team tree (the Summary's Team section), exactly as a super
admin views as anyone. Masking, decided once here: the subject's workspace is read with the subject's
ownership (their tasks, deals, meetings) and the *viewer's* permission filter, so a super admin never sees
another user's private activities; and when the viewer is not the subject every meeting is shown as "Busy" (no
title, contacts, body or link): the loaders never read those fields for a masked meeting, so no builder can
leak them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.home.state import HomeState
from crm.models import User
from crm.permissions import PermissionDenied
from crm.queries.team import in_team

PICKER_LIMIT = 100  # a static select holds at most 100 options


@dataclass(frozen=True)
class HomeContext:
    viewer: User
    subject: User
    state: HomeState
    now: datetime

    @property
    def masked(self) -> bool:
        return self.viewer.id != self.subject.id

    @property
    def tz(self) -> str:
        return self.subject.timezone


def subject_of(session: Session, viewer: User, state: HomeState) -> User:
    """The user whose workspace ``state`` shows; ``PermissionDenied`` unless the viewer is a super admin or
    the manager of a team tree the user is in (a row of the Summary's Team section)."""
    if not state.subject or state.subject == viewer.id:
        return viewer
    if not (viewer.is_super_admin or in_team(session, viewer, state.subject)):
        raise PermissionDenied("you may not view that user's Home")
    subject = session.get(User, state.subject)
    if subject is None:
        raise PermissionDenied("you may not view that user's Home")
    return subject


def context(session: Session, viewer: User, state: HomeState, now: datetime) -> HomeContext:
    return HomeContext(viewer, subject_of(session, viewer, state), state, now)


def people(session: Session, viewer: User) -> list[tuple[str, str]]:
    """The users a super admin may view as, ``(id, name)`` by name (none for anyone else)."""
    if not viewer.is_super_admin:
        return []
    rows = session.execute(select(User.id, User.name).order_by(User.name, User.id).limit(PICKER_LIMIT))
    return [(row.id, row.name) for row in rows]
