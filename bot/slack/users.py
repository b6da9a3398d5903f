"""Mapping between CRM users and Slack users, cached in ``slack_identities``.

CRM → Slack: the dataset's ``users[].slack_user_id`` wins; else a cached id; else ``users.lookupByEmail``
(its answer, found or not, is kept and asked again only after ``RECHECK``).
Slack → CRM: a user whose ``slack_user_id`` is that id; else a cached identity; else, when a client is
given, the Slack profile's email (``users.info``) matched case-insensitively to a CRM user.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.models import SlackIdentity, User
from crm.queries.actions import user_by_email

log = logging.getLogger(__name__)

RECHECK = timedelta(hours=6)
NOT_FOUND = ("users_not_found", "user_not_found")


def cached_slack_id(session: Session, user: User) -> str | None:
    if user.slack_user_id:
        return user.slack_user_id
    identity = session.get(SlackIdentity, user.id)
    return identity.slack_user_id if identity is not None else None


def _remember(
    session: Session, user_id: str, slack_user_id: str | None, source: str, now: datetime
) -> SlackIdentity:
    identity = session.get(SlackIdentity, user_id)
    if identity is None:
        identity = SlackIdentity(user_id=user_id, source=source, looked_up_at=now)
        session.add(identity)
    identity.slack_user_id = slack_user_id
    identity.source = source
    identity.looked_up_at = now
    return identity


def slack_id_for(session: Session, user: User, client: WebClient | None, now: datetime) -> str | None:
    """The user's Slack id, looking it up by email when unknown (and not asked in the last ``RECHECK``).
    Other Slack errors propagate: the caller retries later rather than caching a wrong "not found"."""
    if user.slack_user_id:
        return user.slack_user_id
    identity = session.get(SlackIdentity, user.id)
    if identity is not None and (identity.slack_user_id or now - identity.looked_up_at < RECHECK):
        return identity.slack_user_id
    if client is None:
        return None
    try:
        response = client.users_lookupByEmail(email=user.email)
    except SlackApiError as exc:
        if exc.response.get("error") in NOT_FOUND:
            log.info("no Slack user with the email of CRM user %s", user.id)
            _remember(session, user.id, None, "email_lookup", now)
            return None
        raise
    slack_user_id = response["user"]["id"]
    _remember(session, user.id, slack_user_id, "email_lookup", now)
    return str(slack_user_id)


def remember_dm_channel(session: Session, user: User, channel: str, now: datetime) -> None:
    identity = session.get(SlackIdentity, user.id)
    if identity is None:
        identity = _remember(session, user.id, user.slack_user_id, "event", now)
    identity.dm_channel = channel


def crm_user_for(
    session: Session, slack_user_id: str, client: WebClient | None, now: datetime
) -> User | None:
    """The CRM user behind a Slack user, or None when there is none (they then get no data)."""
    user = session.scalars(select(User).where(User.slack_user_id == slack_user_id)).first()
    if user is not None:
        return user
    identity = session.scalars(
        select(SlackIdentity).where(SlackIdentity.slack_user_id == slack_user_id)
    ).first()
    if identity is not None:
        return session.get(User, identity.user_id)
    if client is None:
        return None
    try:
        info = client.users_info(user=slack_user_id)
    except SlackApiError as exc:
        if exc.response.get("error") in NOT_FOUND:
            return None
        raise
    email = (info["user"].get("profile") or {}).get("email")
    if not email:
        return None
    user = user_by_email(session, email)
    if user is None or user.slack_user_id:
        # No such CRM user, or the CRM names a different Slack account for them: trust the CRM.
        return None
    _remember(session, user.id, slack_user_id, "event", now)
    return user
