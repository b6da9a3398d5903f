"""The stored OAuth tokens in use: the connector's API takes the stored access token when no
``HUBSPOT_ACCESS_TOKEN`` is set and refreshes it five minutes before it expires; two processes refreshing at
once refresh once (the token's row is locked); a refresh HubSpot refuses is a configuration error."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crm.config import Settings
from crm.models import HubSpotOAuthToken
from hubspot_connector.connect import api_from_settings
from hubspot_connector.errors import HubSpotConfigError
from hubspot_connector.oauth import OAuthApp, StoredTokens
from tests.conftest import NOW
from tests.fakes.hubspot_api import FakeHubSpot
from tests.hubspot_connector.conftest import FakeTime

CLIENT = ("hs-client-id", "hs-client-secret")


@pytest.fixture
def oauth_hubspot(hubspot: FakeHubSpot) -> FakeHubSpot:
    """The fake issuing a new access token per exchange; only tokens it issued (or the installed one) work."""
    hubspot.oauth_client = CLIENT
    hubspot.issue_new_tokens = True
    hubspot.token = "installed-token"
    hubspot.refresh_tokens = {"installed-refresh"}
    return hubspot


def installed(session: Session, expires_in: timedelta) -> None:
    session.add(
        HubSpotOAuthToken(
            portal_id="12345",
            access_token="installed-token",
            refresh_token="installed-refresh",
            expires_at=NOW + expires_in,
            scopes=[],
            installed_at=NOW,
        )
    )
    session.commit()


def settings_for(fake: FakeHubSpot, *, client: bool = True) -> Settings:
    return Settings(
        hubspot_api_url=fake.base_url,
        hubspot_client_id=CLIENT[0] if client else None,
        hubspot_client_secret=SecretStr(CLIENT[1]) if client else None,
    )


def stored(session: Session) -> HubSpotOAuthToken:
    session.rollback()
    return session.scalars(select(HubSpotOAuthToken)).one()


def test_the_api_uses_the_stored_token_then_refreshes_it_before_it_expires(
    oauth_hubspot: FakeHubSpot, engine: Engine, session: Session, fake_time: FakeTime
) -> None:
    installed(session, timedelta(minutes=30))
    api = api_from_settings(settings_for(oauth_hubspot), engine, clock=fake_time.clock, sleep=fake_time.sleep)
    assert api.roles() == [] and oauth_hubspot.count("/oauth/") == 0

    fake_time.advance(minutes=24)  # 6 minutes left: still used as is
    api.roles()
    assert oauth_hubspot.count("/oauth/") == 0
    fake_time.advance(minutes=2)  # 4 minutes left: refreshed first
    api.roles()
    refresh = next(r for r in oauth_hubspot.requests if r.path == "/oauth/v1/token")
    assert refresh.body == {
        "grant_type": "refresh_token",
        "refresh_token": "installed-refresh",
        "client_id": CLIENT[0],
        "client_secret": CLIENT[1],
    }
    row = stored(session)
    assert (row.access_token, row.refresh_token) == ("installed-token-1", "refresh-1")
    assert row.expires_at == fake_time.now + timedelta(seconds=1800) and row.refreshed_at == fake_time.now

    # The old token is gone at HubSpot: the API already uses the new one.
    oauth_hubspot.token = "revoked"
    assert api.users() == []
    assert oauth_hubspot.requests[-1].status == 200


def test_two_processes_refreshing_at_once_refresh_once(
    oauth_hubspot: FakeHubSpot, engine: Engine, session: Session, fake_time: FakeTime
) -> None:
    installed(session, timedelta(minutes=2))
    oauth_hubspot.hang(0.5, times=1, path="/oauth/v1/token")  # the first refresh takes a while
    app = OAuthApp(CLIENT[0], CLIENT[1], oauth_hubspot.base_url)
    sources = [StoredTokens(engine, app, "12345", clock=fake_time.clock) for _ in range(2)]
    start = threading.Barrier(2)
    got: list[str] = []

    def process(source: StoredTokens) -> None:
        start.wait()
        got.append(source())

    threads = [threading.Thread(target=process, args=(s,)) for s in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert got == ["installed-token-1", "installed-token-1"]
    assert oauth_hubspot.count("/oauth/v1/token") == 1
    assert sum(s.refreshes for s in sources) == 1
    assert stored(session).access_token == "installed-token-1"


def test_a_refresh_hubspot_refuses_says_to_install_again(
    oauth_hubspot: FakeHubSpot, engine: Engine, session: Session, fake_time: FakeTime
) -> None:
    installed(session, timedelta(minutes=1))
    oauth_hubspot.refresh_tokens = set()  # revoked by the portal's admin
    with pytest.raises(HubSpotConfigError, match="refused to refresh the token of portal 12345") as caught:
        api_from_settings(settings_for(oauth_hubspot), engine, clock=fake_time.clock)
    assert "/hubspot/install" in str(caught.value) and caught.value.exit_code == 2
    assert stored(session).access_token == "installed-token"


def test_an_expiring_token_without_the_client_secret_cannot_be_refreshed(
    oauth_hubspot: FakeHubSpot, engine: Engine, session: Session, fake_time: FakeTime
) -> None:
    installed(session, timedelta(minutes=1))
    with pytest.raises(HubSpotConfigError, match="set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET"):
        api_from_settings(settings_for(oauth_hubspot, client=False), engine, clock=fake_time.clock)


def test_nothing_installed_and_no_token_is_not_connected(hubspot: FakeHubSpot, engine: Engine) -> None:
    with pytest.raises(HubSpotConfigError, match="HubSpot is not connected"):
        api_from_settings(settings_for(hubspot), engine)
