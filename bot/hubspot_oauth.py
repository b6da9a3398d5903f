"""``GET /hubspot/install`` and ``GET /hubspot/oauth_redirect`` on ``salesbot serve``: installing Salesbot's
HubSpot app in a portal with OAuth (``hubspot_connector.oauth`` does the work).

The install route stores a random state (ten minutes, one use), sets it in a cookie too (so the redirect is
accepted only in the browser that started the install) and redirects to HubSpot's authorize page. The redirect
route checks the state against both, exchanges the code and stores the portal's tokens. The redirect URL
given to HubSpot is this server's own ``/hubspot/oauth_redirect`` as the browser reached it (the proxy's
``X-Forwarded-Proto``/``-Host`` when present): register exactly that URL in the HubSpot app.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import Engine

from crm.localtime import wall_clock
from hubspot_connector.errors import HubSpotConfigError, HubSpotError
from hubspot_connector.oauth import (
    INSTALL_PATH,
    REDIRECT_PATH,
    STATE_LIFE,
    OAuthApp,
    authorize_url,
    consume_state,
    install,
    new_state,
)

log = logging.getLogger(__name__)

COOKIE = "salesbot_hubspot_state"
StartResponse = Callable[..., Any]
_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 405: "Method Not Allowed", 502: "Bad Gateway"}


class HubSpotOAuthRoutes:
    """A WSGI application for the two routes (``PATHS``)."""

    PATHS = (INSTALL_PATH, REDIRECT_PATH)

    def __init__(self, engine: Engine, app: OAuthApp, clock: Callable[[], datetime] = wall_clock) -> None:
        self.engine = engine
        self.app = app
        self.clock = clock

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET":
            return _page(start_response, 405, "Only GET is supported here.")
        if environ.get("PATH_INFO") == INSTALL_PATH:
            return self._install(environ, start_response)
        return self._redirect(environ, start_response)

    def _install(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        state = new_state(self.engine, self.clock())
        location = authorize_url(self.app, redirect_uri(environ), state)
        cookie = (
            f"{COOKIE}={state}; Path=/hubspot; Max-Age={int(STATE_LIFE.total_seconds())}; HttpOnly; "
            f"SameSite=Lax{'; Secure' if _scheme(environ) == 'https' else ''}"
        )
        start_response("302 Found", [("Location", location), ("Set-Cookie", cookie), ("Content-Length", "0")])
        return [b""]

    def _redirect(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        state = query.get("state", "")
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        browser_state = cookie[COOKIE].value if COOKIE in cookie else None
        now = self.clock()
        if browser_state != state or not consume_state(self.engine, state, now):
            log.warning("HubSpot OAuth redirect refused: unknown, expired or foreign state")
            return _page(start_response, 400, "This install link has expired or was not started here.")
        if "code" not in query:
            reason = query.get("error_description") or query.get("error") or "no authorization code"
            return _page(start_response, 400, f"HubSpot did not authorize the install: {reason}.")
        try:
            installed = install(self.engine, self.app, query["code"], redirect_uri(environ), now)
        except HubSpotConfigError as exc:
            log.warning("HubSpot OAuth install refused: %s", exc)
            return _page(start_response, 400, f"The install failed: {exc}.")
        except HubSpotError as exc:
            log.warning("HubSpot OAuth install failed: %s", exc)
            return _page(start_response, 502, f"HubSpot could not be reached: {exc}. Try again.")
        log.warning("HubSpot portal %s installed", installed.portal_id)
        return _page(
            start_response,
            200,
            f"Salesbot is connected to HubSpot portal {installed.portal_id}"
            f"{f' ({installed.hub_domain})' if installed.hub_domain else ''}. You can close this page.",
            clear_cookie=True,
        )


def _scheme(environ: dict[str, Any]) -> str:
    forwarded = environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip()
    return forwarded or str(environ.get("wsgi.url_scheme", "http"))


def redirect_uri(environ: dict[str, Any]) -> str:
    """``<scheme>://<host>/hubspot/oauth_redirect`` as the browser reached this server."""
    host = environ.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip() or environ.get("HTTP_HOST")
    if not host:
        host = f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
    return f"{_scheme(environ)}://{host}{REDIRECT_PATH}"


def _page(
    start_response: StartResponse, status: int, message: str, *, clear_cookie: bool = False
) -> list[bytes]:
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Salesbot · HubSpot</title></head>"
        f"<body><p>{html.escape(message)}</p></body></html>"
    ).encode()
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
    if clear_cookie:
        headers.append(("Set-Cookie", f"{COOKIE}=; Path=/hubspot; Max-Age=0"))
    start_response(f"{status} {_REASONS[status]}", headers)
    return [body]
