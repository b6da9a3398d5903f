"""Fixtures of the admin commands' tests: people of a small HubSpot portal (roles, status, the clock's
sync), and a way to run ``salesbot`` against the fake HubSpot."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bot.cli.main import main
from crm.config import get_settings
from tests.fakes.hubspot_api import TOKEN, FakeHubSpot
from tests.fakes.hubspot_state import State

HUBSPOT_VARIABLES = ("HUBSPOT_ACCESS_TOKEN", "HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET", "HUBSPOT_API_URL")


def people(state: State) -> None:
    """Roles Sales Rep (1), Sales Manager (2), Directors (3, held by no one); Ana holds 1, Max 1 and 2, Bo
    is a super admin; one team."""
    for role_id, name in ((1, "Sales Rep"), (2, "Sales Manager"), (3, "Directors")):
        state.add_role(role_id, name)
    state.add_team(10, "East", [9001, 9002])
    state.add_owner(501, "ana@acme.test", "Ana", "Ruiz", user_id=9001, teams=[(10, "East", True)])
    state.add_owner(502, "max@acme.test", "Max", "Weber", user_id=9002, teams=[(10, "East", True)])
    state.add_owner(503, "bo@acme.test", "Bo", "Boss", user_id=9003)
    state.add_user(9001, "ana@acme.test", role_ids=["1"], primary_team=10)
    state.add_user(9002, "max@acme.test", role_ids=["2", "1"], primary_team=10)
    state.add_user(9003, "bo@acme.test", super_admin=True)
    state.add_pipeline("deals", "default", "Sales", [("appt", "Appointment", False, 0.2)])


@pytest.fixture
def no_hubspot_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in HUBSPOT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def hubspot_env(no_hubspot_env: pytest.MonkeyPatch, hubspot: FakeHubSpot) -> FakeHubSpot:
    """``salesbot`` connected to the fake HubSpot with a private app token."""
    no_hubspot_env.setenv("HUBSPOT_ACCESS_TOKEN", TOKEN)
    no_hubspot_env.setenv("HUBSPOT_API_URL", hubspot.base_url)
    get_settings.cache_clear()
    return hubspot


def run(db_url: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--database-url", db_url, *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()
