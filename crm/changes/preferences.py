"""A user's Slack-side preferences (``user_preferences``): read with defaults, change one at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from crm.models import Role, User, UserPreference


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


def set_home_tab(session: Session, user: User, tab: str, now: datetime) -> None:
    """Remember the App Home tab the user chose last."""
    found = session.get(UserPreference, user.id, with_for_update=True)
    if found is None:
        found = UserPreference(user_id=user.id, follow_up_prompt=True)
        session.add(found)
    if found.home_tab != tab:
        found.home_tab = tab
        found.updated_at = now
    session.flush()


@dataclass(frozen=True)
class DigestSettings:
    enabled: bool
    time: str  # HH:MM
    weekdays: list[int]  # ISO, 1 = Monday
    timezone: str
    send_when_empty: bool
    follow_up_prompt: bool
    team: bool = False  # a manager's team digest after their own
    manager: bool = False  # whether the team digest is offered (managers and super admins)


def settings_problems(settings: DigestSettings) -> dict[str, str]:
    """What is wrong with ``settings``, by field name (empty when they are valid)."""
    problems: dict[str, str] = {}
    hh, sep, mm = settings.time.partition(":")
    digits = sep and 1 <= len(hh) <= 2 and len(mm) == 2 and (hh + mm).isascii() and (hh + mm).isdigit()
    if not (digits and int(hh) < 24 and int(mm) < 60):
        problems["time"] = "Give a time as HH:MM."
    if not settings.weekdays or any(d not in range(1, 8) for d in settings.weekdays):
        problems["weekdays"] = "Choose at least one weekday."
    try:
        ZoneInfo(settings.timezone)
    except (ValueError, ZoneInfoNotFoundError, OSError):  # OSError: a folder, or too long a name
        problems["timezone"] = "Not a time zone name (e.g. Europe/Warsaw)."
    return problems


def digest_settings(session: Session, user: User) -> DigestSettings:
    """What the Settings tab shows and ``set_digest_settings`` writes."""
    return DigestSettings(
        enabled=user.digest_enabled,
        time=user.digest_time,
        weekdays=[int(d) for d in user.digest_weekdays or []],
        timezone=user.timezone,
        send_when_empty=user.digest_send_when_empty,
        follow_up_prompt=preferences(session, user).follow_up_prompt,
        team=user.digest_team,
        manager=user.role in (Role.MANAGER, Role.SUPER_ADMIN),
    )


def set_digest_settings(session: Session, user: User, settings: DigestSettings, now: datetime) -> None:
    """Change the user's own digest settings and follow-up prompt; ``ValueError`` when invalid."""
    problems = settings_problems(settings)
    if problems:
        raise ValueError("; ".join(problems.values()))
    hh, _, mm = settings.time.partition(":")
    user.digest_enabled = settings.enabled
    user.digest_time = f"{int(hh):02d}:{mm}"
    user.digest_weekdays = sorted(set(settings.weekdays))
    user.timezone = settings.timezone
    user.digest_send_when_empty = settings.send_when_empty
    if user.role in (Role.MANAGER, Role.SUPER_ADMIN):
        user.digest_team = settings.team
    set_follow_up_prompt(session, user, settings.follow_up_prompt, now)
