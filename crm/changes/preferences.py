"""A user's Slack-side preferences (``user_preferences``): read with defaults, change one at a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from crm.models import User, UserPreference


def preferences(session: Session, user: User) -> UserPreference:
    """The user's preferences; the defaults (not stored) when they never changed any."""
    found = session.get(UserPreference, user.id)
    return found if found is not None else UserPreference(user_id=user.id, follow_up_prompt=True)


def set_follow_up_prompt(session: Session, user: User, on: bool, now: datetime) -> bool:
    """Turn the follow-up task prompt on or off; whether that changed anything."""
    found = session.get(UserPreference, user.id, with_for_update=True)
    if found is None:
        found = UserPreference(user_id=user.id, follow_up_prompt=True)
        session.add(found)
    changed = found.follow_up_prompt != on
    found.follow_up_prompt = on
    found.updated_at = now
    session.flush()
    return changed
