"""``salesbot hubspot sync``: per-type counts, and the exit codes of a wrong token and an unreachable HubSpot
(one line, never a traceback)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.cli.main import main
from crm.config import get_settings
from tests.fakes.hubspot_api import TOKEN, FakeHubSpot
from tests.hubspot_connector.conftest import FakeTime
from tests.hubspot_connector.portal import small_portal


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HUBSPOT_RATE_PER_10S", "1000")
    monkeypatch.setenv("HUBSPOT_SEARCH_PER_S", "50")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def salesbot(db_url: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--database-url", db_url, *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def configure(monkeypatch: pytest.MonkeyPatch, url: str, token: str = TOKEN) -> None:
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", token)
    monkeypatch.setenv("HUBSPOT_API_URL", url)
    get_settings.cache_clear()


def test_sync_prints_what_changed_per_type(
    engine: Engine, db_url: str, hubspot: FakeHubSpot, fake_time: FakeTime, monkeypatch: pytest.MonkeyPatch
) -> None:
    small_portal(hubspot.state)
    configure(monkeypatch, hubspot.base_url)
    code, out, err = salesbot(db_url, "hubspot", "sync", "--now", "2026-11-23T12:00:00Z")
    assert code == 0, err
    assert "  deals: 1 created, 0 updated, 0 deleted, 0 skipped" in out
    assert "  users: 3 created" in out
    code, out, err = salesbot(
        db_url, "hubspot", "sync", "--full", "--progress", "--now", "2026-11-23T12:05:00Z"
    )
    assert code == 0, err
    assert "HubSpot sync (full" in out and "  emails: 0 created, 1 updated" in out
    assert "contacts: 100%" in err  # the progress bar knew the total


def test_a_wrong_token_exits_2_in_one_line(
    db_url: str, hubspot: FakeHubSpot, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, hubspot.base_url, token="wrong-token")
    code, _, err = salesbot(db_url, "hubspot", "sync")
    assert code == 2
    assert err.strip().startswith("error: HubSpot rejected the token (401")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_no_hubspot_configured_exits_2(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    get_settings.cache_clear()
    code, _, err = salesbot(db_url, "hubspot", "sync")
    assert code == 2 and "HubSpot is not connected" in err


def test_an_unreachable_hubspot_exits_4_in_one_line(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    configure(monkeypatch, f"http://127.0.0.1:{port}")
    monkeypatch.setattr("hubspot_connector.budget.real_sleep", lambda seconds: None)
    code, _, err = salesbot(db_url, "hubspot", "sync")
    assert code == 4
    assert err.strip().startswith("error: cannot reach HubSpot at http://127.0.0.1:")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
