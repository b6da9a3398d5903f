"""``DATABASE_URL``, the one setting every command needs, read without pydantic.

``crm.config.Settings`` reads every setting with pydantic-settings, whose import costs a command a fifth of a
second; a command that needs only the store reads its URL here, the same way (tests/crm/test_config.py).
"""

from __future__ import annotations

import os

DEFAULT_DATABASE_URL = "sqlite:///salesbot.db"


def database_url() -> str:
    """``DATABASE_URL`` as ``Settings`` reads it (names compared case-insensitively, the last one wins), or
    the default."""
    found = DEFAULT_DATABASE_URL
    for name, value in os.environ.items():
        if name.lower() == "database_url":
            found = value
    return found
