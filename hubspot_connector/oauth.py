"""HubSpot's OAuth: installing the app in a portal and keeping its tokens fresh (hubspot.md, "Connecting").

- ``authorize_url`` and ``new_state``: ``/hubspot/install`` sends the admin to HubSpot's authorize page with
  the client id, the scopes, the redirect URL and a random ``state``, stored in ``hubspot_oauth_states`` for
  ten minutes.
- ``consume_state`` and ``install``: ``/hubspot/oauth_redirect`` checks the state (once: it is deleted), then
  exchanges the code at ``POST /oauth/v1/token``, reads the portal from the token's info
  (``GET /oauth/v1/access-tokens/{token}``; the account details when it has no ``hub_id``) and stores the
  tokens per portal in ``hubspot_oauth_tokens``.
- ``StoredTokens``: the access token the connector's API uses when no ``HUBSPOT_ACCESS_TOKEN`` is set,
  refreshed (``grant_type=refresh_token``) five minutes before it expires (they live 1,800 s). The refresh
  happens with the token's row locked (``SELECT ... FOR UPDATE``; SQLite's write lock): a second process
  arriving meanwhile waits, then finds the new token and does not refresh again (HubSpot may rotate the
  refresh token, so two refreshes at once could leave one process holding a dead one).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode

from sqlalchemy import Engine, Table, delete, insert, select, update

from crm.config import Settings
from crm.models import HubSpotOAuthState, HubSpotOAuthToken
from hubspot_connector.api import HubSpotApi, RetryPolicy, names
from hubspot_connector.budget import real_sleep, wall_clock
from hubspot_connector.errors import HubSpotConfigError, HubSpotRequestError

INSTALL_PATH = "/hubspot/install"
REDIRECT_PATH = "/hubspot/oauth_redirect"
STATE_LIFE = timedelta(minutes=10)
REFRESH_EARLY = timedelta(minutes=5)
DEFAULT_LIFE_S = 1800
TOKENS = cast(Table, HubSpotOAuthToken.__table__)
STATES = cast(Table, HubSpotOAuthState.__table__)
OAUTH_RETRY = RetryPolicy(attempts=3, backoff_s=0.5, timeout_s=15.0)


@dataclass(frozen=True)
class OAuthApp:
    client_id: str
    client_secret: str
    api_url: str
    scopes: tuple[str, ...] = names.SCOPES

    @classmethod
    def from_settings(cls, settings: Settings) -> OAuthApp | None:
        """The OAuth app the settings name, or None without both ``HUBSPOT_CLIENT_ID`` and its secret."""
        if not settings.hubspot_client_id or settings.hubspot_client_secret is None:
            return None
        return cls(
            settings.hubspot_client_id,
            settings.hubspot_client_secret.get_secret_value(),
            settings.hubspot_api_url,
        )

    def api(
        self,
        token: str = "",
        *,
        clock: Callable[[], datetime] = wall_clock,
        sleep: Callable[[float], None] = real_sleep,
    ) -> HubSpotApi:
        """A client for the OAuth calls (outside the portal's rate budget: they are not portal calls)."""
        return HubSpotApi(token, base_url=self.api_url, clock=clock, sleep=sleep, retry=OAUTH_RETRY)


def _write_engine(engine: Engine) -> Engine:
    return engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine


def authorize_url(app: OAuthApp, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "client_id": app.client_id,
            "scope": " ".join(app.scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{names.OAUTH_AUTHORIZE_URL}?{query}"


def new_state(engine: Engine, now: datetime) -> str:
    """A fresh random state, stored until it expires (expired ones are pruned here)."""
    state = secrets.token_urlsafe(32)
    with _write_engine(engine).begin() as connection:
        connection.execute(delete(STATES).where(STATES.c.expires_at <= now))
        connection.execute(insert(STATES).values(state=state, expires_at=now + STATE_LIFE))
    return state


def consume_state(engine: Engine, state: str, now: datetime) -> bool:
    """Whether ``state`` was issued and has not expired; it cannot be used again either way."""
    if not state or len(state) > 64:
        return False
    with _write_engine(engine).begin() as connection:
        deleted = connection.execute(
            delete(STATES).where(STATES.c.state == state, STATES.c.expires_at > now)
        ).rowcount
        connection.execute(delete(STATES).where(STATES.c.state == state))
    return bool(deleted)


@dataclass
class Installed:
    portal_id: str
    hub_domain: str | None
    scopes: list[str]
    expires_at: datetime


def _expires_at(answer: dict[str, Any], now: datetime) -> datetime:
    try:
        seconds = int(answer.get("expires_in") or DEFAULT_LIFE_S)
    except (TypeError, ValueError):
        seconds = DEFAULT_LIFE_S
    return now + timedelta(seconds=seconds)


def install(
    engine: Engine, app: OAuthApp, code: str, redirect_uri: str, now: datetime, api: HubSpotApi | None = None
) -> Installed:
    """Exchange an authorization code for tokens and store them for their portal."""
    api = api or app.api()
    try:
        tokens = api.exchange_token(
            client_id=app.client_id, client_secret=app.client_secret, code=code, redirect_uri=redirect_uri
        )
    except HubSpotRequestError as exc:
        raise HubSpotConfigError(f"HubSpot refused the authorization code: {exc.message}") from None
    access, refresh = tokens.get("access_token"), tokens.get("refresh_token")
    if not access or not refresh:
        raise HubSpotConfigError("HubSpot's token answer has no access or refresh token")
    info = api.access_token_info(str(access))
    portal = info.get("hub_id")
    if portal in (None, ""):
        portal = app.api(str(access)).account_details().get("portalId")
    if portal in (None, ""):
        raise HubSpotConfigError("HubSpot did not say which portal the token is for")
    installed = Installed(
        str(portal), info.get("hub_domain"), list(info.get("scopes") or []), _expires_at(tokens, now)
    )
    values = {
        "access_token": str(access),
        "refresh_token": str(refresh),
        "expires_at": installed.expires_at,
        "scopes": installed.scopes,
        "hub_domain": installed.hub_domain,
        "refreshed_at": now,
    }
    with _write_engine(engine).begin() as connection:
        updated = connection.execute(
            update(TOKENS).where(TOKENS.c.portal_id == installed.portal_id).values(installed_at=now, **values)
        ).rowcount
        if not updated:
            connection.execute(
                insert(TOKENS).values(portal_id=installed.portal_id, installed_at=now, **values)
            )
    return installed


def installed_portal(engine: Engine) -> str | None:
    """The (first) portal installed by OAuth, if any."""
    with engine.connect() as connection:
        return connection.execute(
            select(TOKENS.c.portal_id).order_by(TOKENS.c.portal_id).limit(1)
        ).scalar_one_or_none()


class StoredTokens:
    """A token source for ``HubSpotApi``: the stored access token of ``portal_id``, refreshed before it
    expires. Calls between refreshes are answered from memory."""

    def __init__(
        self,
        engine: Engine,
        app: OAuthApp | None,
        portal_id: str,
        *,
        clock: Callable[[], datetime] = wall_clock,
        sleep: Callable[[float], None] = real_sleep,
    ) -> None:
        self.engine = engine
        self.app = app
        self.portal_id = portal_id
        self.clock = clock
        self.sleep = sleep
        self.refreshes = 0  # refreshes this source made (tests, logs)
        self._token: str | None = None
        self._fresh_until: datetime | None = None

    def __call__(self) -> str:
        now = self.clock()
        if self._token is not None and self._fresh_until is not None and now < self._fresh_until:
            return self._token
        with self.engine.connect() as connection:
            row = connection.execute(select(TOKENS).where(TOKENS.c.portal_id == self.portal_id)).first()
        if row is None:
            raise HubSpotConfigError(
                f"HubSpot portal {self.portal_id} is not installed: install the app at {INSTALL_PATH}"
            )
        if row.expires_at - now > REFRESH_EARLY:
            return self._remember(row.access_token, row.expires_at)
        return self._refresh(now)

    def _remember(self, token: str, expires_at: datetime) -> str:
        self._token, self._fresh_until = token, expires_at - REFRESH_EARLY
        return token

    def _refresh(self, now: datetime) -> str:
        if self.app is None:
            raise HubSpotConfigError(
                "the stored HubSpot token has expired and cannot be refreshed: set HUBSPOT_CLIENT_ID and "
                "HUBSPOT_CLIENT_SECRET"
            )
        with _write_engine(self.engine).begin() as connection:
            row = connection.execute(
                select(TOKENS).where(TOKENS.c.portal_id == self.portal_id).with_for_update()
            ).first()
            if row is None:
                raise HubSpotConfigError(f"HubSpot portal {self.portal_id} is not installed")
            if row.expires_at - now > REFRESH_EARLY:  # another process refreshed it while we waited
                return self._remember(row.access_token, row.expires_at)
            try:
                answer = self.app.api(clock=self.clock, sleep=self.sleep).exchange_token(
                    client_id=self.app.client_id,
                    client_secret=self.app.client_secret,
                    refresh_token=row.refresh_token,
                )
            except HubSpotRequestError as exc:
                raise HubSpotConfigError(
                    f"HubSpot refused to refresh the token of portal {self.portal_id} ({exc.message}): "
                    f"install the app again at {INSTALL_PATH}"
                ) from None
            access = answer.get("access_token")
            if not access:
                raise HubSpotConfigError("HubSpot's refresh answer has no access token")
            expires_at = _expires_at(answer, now)
            connection.execute(
                update(TOKENS)
                .where(TOKENS.c.portal_id == self.portal_id)
                .values(
                    access_token=str(access),
                    refresh_token=str(answer.get("refresh_token") or row.refresh_token),
                    expires_at=expires_at,
                    refreshed_at=now,
                )
            )
        self.refreshes += 1
        return self._remember(str(access), expires_at)
