"""The database URL read without pydantic is the one ``Settings`` reads, whatever the environment."""

from __future__ import annotations

import os

import pytest

from crm.config import Settings
from crm.database_url import DEFAULT_DATABASE_URL, database_url


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"DATABASE_URL": "postgresql://u@h:5432/crm"},
        {"database_url": "sqlite:///lower.db"},
        {"Database_Url": "sqlite:///mixed.db"},
        {"DATABASE_URL": ""},
    ],
)
def test_the_light_database_url_is_the_settings_one(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.lower() == "database_url"]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert database_url() == Settings().database_url
    if not environment:
        assert database_url() == DEFAULT_DATABASE_URL
