"""The settings read without pydantic (crm.quick_settings) are the ones ``Settings`` reads, whatever the
environment."""

from __future__ import annotations

import os

import pytest

from crm.config import Settings
from crm.quick_settings import DEFAULT_DATABASE_URL, database_url, home_url

NAMES = ("database_url", "slack_app_id", "slack_team_id")


@pytest.mark.parametrize(
    "environment",
    [
        {},
        {"DATABASE_URL": "postgresql://u@h:5432/crm"},
        {"database_url": "sqlite:///lower.db"},
        {"Database_Url": "sqlite:///mixed.db"},
        {"DATABASE_URL": ""},
        {"SLACK_APP_ID": "A1", "SLACK_TEAM_ID": "T1"},
        {"slack_app_id": "A1", "Slack_Team_Id": "T1"},
        {"SLACK_APP_ID": "A1"},
        {"SLACK_APP_ID": "A1", "SLACK_TEAM_ID": ""},
    ],
)
def test_the_quick_settings_are_the_settings_ones(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.lower() in NAMES]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert database_url() == settings.database_url
    assert home_url() == settings.home_url
    if not environment:
        assert database_url() == DEFAULT_DATABASE_URL


def test_the_home_link_names_the_workspace_and_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_ID", "A9")
    monkeypatch.setenv("SLACK_TEAM_ID", "T9")
    assert home_url() == "slack://app?team=T9&id=A9&tab=home"
