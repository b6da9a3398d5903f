"""Settings a read-only command needs, read without pydantic: the database URL and the Home tab's link.

``crm.config.Settings`` reads every setting with pydantic-settings, whose import costs a command a fifth of a
second. These read the same variables the same way (names compared case-insensitively, the last one wins;
tests/crm/test_config.py checks they agree); a command that needs any other setting calls ``get_settings()``.
"""

from __future__ import annotations

import os

DEFAULT_DATABASE_URL = "sqlite:///salesbot.db"


def _environment(*names: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in os.environ.items():
        if name.lower() in names:
            found[name.lower()] = value
    return found


def database_url() -> str:
    """``DATABASE_URL``, or the default."""
    return _environment("database_url").get("database_url", DEFAULT_DATABASE_URL)


def home_link(app_id: str | None, team_id: str | None) -> str | None:
    """A deep link to the app's Home tab, when the app and workspace ids are known."""
    if app_id and team_id:
        return f"slack://app?team={team_id}&id={app_id}&tab=home"
    return None


def home_url() -> str | None:
    """``Settings.home_url``: the Home tab's link from ``SLACK_APP_ID`` and ``SLACK_TEAM_ID``."""
    found = _environment("slack_app_id", "slack_team_id")
    return home_link(found.get("slack_app_id"), found.get("slack_team_id"))
