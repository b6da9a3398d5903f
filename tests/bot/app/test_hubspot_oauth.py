"""Installing Salesbot's HubSpot app with OAuth through ``salesbot serve``'s WSGI application:
``/hubspot/install`` redirects to HubSpot with a stored state, ``/hubspot/oauth_redirect`` checks it (once,
from the same browser), exchanges the code at the fake HubSpot and stores the portal's tokens."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.app import build_app
from bot.cli.serve import hubspot_oauth_apps
from bot.hubspot_oauth import COOKIE
from bot.runtime import Services
from bot.server import SlackWSGI
from crm.models import HubSpotOAuthState, HubSpotOAuthToken
from hubspot_connector.api import names
from tests.bot.app.conftest import SECRET, wsgi_server
from tests.conftest import NOW
from tests.fakes.hubspot_api import FakeHubSpot
from tests.fakes.hubspot_state import State

CLIENT = ("hs-client-id", "hs-client-secret")


@pytest.fixture
def hubspot() -> Iterator[FakeHubSpot]:
    with FakeHubSpot(State(clock=lambda: NOW)) as fake:
        fake.oauth_client = CLIENT
        fake.oauth_codes = {"code-1"}
        fake.issue_new_tokens = True
        yield fake


@pytest.fixture
def server(services: Services, hubspot: FakeHubSpot, engine: Engine, clock: list[datetime]) -> Iterator[str]:
    settings = services.settings.model_copy(
        update={
            "hubspot_client_id": CLIENT[0],
            "hubspot_client_secret": SecretStr(CLIENT[1]),
            "hubspot_api_url": hubspot.base_url,
        }
    )
    routes = hubspot_oauth_apps(engine, settings, clock=lambda: clock[0])
    with wsgi_server(SlackWSGI(build_app(services), SECRET, apps=routes)) as host:
        yield host


def get(host: str, path: str, cookie: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(host, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    return connection.getresponse()


def start(host: str) -> tuple[str, str, dict[str, str]]:
    """``/hubspot/install``: (state, cookie, the authorize URL's query)."""
    answer = get(host, "/hubspot/install")
    assert answer.status == 302
    location = answer.getheader("Location", "")
    assert location.startswith(names.OAUTH_AUTHORIZE_URL + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    cookie = answer.getheader("Set-Cookie", "").split(";")[0]
    return query["state"], cookie, query


def tokens(session: Session) -> list[HubSpotOAuthToken]:
    session.rollback()
    return list(session.scalars(select(HubSpotOAuthToken)))


def test_install_stores_the_portals_tokens(server: str, hubspot: FakeHubSpot, session: Session) -> None:
    state, cookie, query = start(server)
    assert query["client_id"] == CLIENT[0]
    assert query["redirect_uri"] == f"http://{server}/hubspot/oauth_redirect"
    assert query["scope"].split() == list(names.SCOPES)
    assert cookie == f"{COOKIE}={state}"
    assert session.scalar(select(func.count()).select_from(HubSpotOAuthState)) == 1

    done = get(server, f"/hubspot/oauth_redirect?code=code-1&state={state}", cookie)
    body = done.read().decode()
    assert done.status == 200, body
    assert "connected to HubSpot portal 12345 (fake-portal.hubspot.test)" in body
    [row] = tokens(session)
    assert (row.portal_id, row.access_token, row.refresh_token) == (
        "12345",
        "test-hubspot-token-1",
        "refresh-1",
    )
    assert row.expires_at == NOW + timedelta(seconds=1800) and row.installed_at == NOW
    assert "crm.objects.contacts.read" in row.scopes
    exchange = next(r for r in hubspot.requests if r.path == "/oauth/v1/token")
    assert exchange.body == {
        "grant_type": "authorization_code",
        "code": "code-1",
        "redirect_uri": f"http://{server}/hubspot/oauth_redirect",
        "client_id": CLIENT[0],
        "client_secret": CLIENT[1],
    }
    assert hubspot.count("/oauth/v1/access-tokens/test-hubspot-token-1") == 1

    # The state was used up: the same redirect again is refused and changes nothing.
    again = get(server, f"/hubspot/oauth_redirect?code=code-1&state={state}", cookie)
    assert again.status == 400 and "expired or was not started here" in again.read().decode()
    assert hubspot.count("/oauth/v1/token") == 1


def test_a_redirect_without_the_browsers_cookie_or_with_a_forged_state_is_refused(
    server: str, hubspot: FakeHubSpot, session: Session
) -> None:
    state, cookie, _ = start(server)
    assert get(server, f"/hubspot/oauth_redirect?code=code-1&state={state}").status == 400
    assert get(server, "/hubspot/oauth_redirect?code=code-1&state=forged", f"{COOKIE}=forged").status == 400
    assert get(server, "/hubspot/oauth_redirect?code=code-1", cookie).status == 400
    assert hubspot.count("/oauth/") == 0 and tokens(session) == []


def test_an_expired_state_is_refused(server: str, hubspot: FakeHubSpot, clock: list[datetime]) -> None:
    state, cookie, _ = start(server)
    clock[0] = NOW + timedelta(minutes=11)
    answer = get(server, f"/hubspot/oauth_redirect?code=code-1&state={state}", cookie)
    assert answer.status == 400
    assert hubspot.count("/oauth/") == 0


def test_a_code_hubspot_refuses_or_a_denied_install_is_a_clear_page(
    server: str, hubspot: FakeHubSpot, session: Session
) -> None:
    state, cookie, _ = start(server)
    answer = get(server, f"/hubspot/oauth_redirect?code=stolen&state={state}", cookie)
    body = answer.read().decode()
    assert answer.status == 400 and "HubSpot refused the authorization code" in body
    state, cookie, _ = start(server)
    denied = get(server, f"/hubspot/oauth_redirect?error=access_denied&state={state}", cookie)
    assert denied.status == 400 and "did not authorize the install: access_denied" in denied.read().decode()
    assert tokens(session) == []


def test_no_hubspot_oauth_apps_without_an_oauth_app(services: Services, engine: Engine) -> None:
    assert hubspot_oauth_apps(engine, services.settings) == {}
    with wsgi_server(SlackWSGI(build_app(services), SECRET)) as host:
        assert get(host, "/hubspot/install").status == 404
