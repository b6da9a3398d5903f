"""Building the connector's ``HubSpotApi`` from the settings: the private app token, else the OAuth tokens
stored in the database (``hubspot_oauth_tokens``; refreshing them is the OAuth module's job)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, select

from crm.config import Settings
from crm.db import session_scope
from crm.models import HubSpotOAuthToken
from hubspot_connector import budget as budget_module
from hubspot_connector.api import HubSpotApi, RetryPolicy
from hubspot_connector.budget import RateBudget, wall_clock
from hubspot_connector.errors import HubSpotConfigError


def stored_token(engine: Engine) -> str | None:
    """The access token of the (first) portal installed by OAuth, if any."""
    with session_scope(engine) as session:
        row = session.scalars(
            select(HubSpotOAuthToken).order_by(HubSpotOAuthToken.portal_id).limit(1)
        ).first()
        return row.access_token if row is not None else None


def api_from_settings(
    settings: Settings,
    engine: Engine,
    *,
    token: str | Callable[[], str] | None = None,
    clock: Callable[[], datetime] = wall_clock,
    sleep: Callable[[float], None] | None = None,
    retry: RetryPolicy | None = None,
) -> HubSpotApi:
    """A ``HubSpotApi`` on ``HUBSPOT_API_URL`` inside the shared rate budget. ``HubSpotConfigError`` when
    HubSpot is not connected (no token, no OAuth installation)."""
    if token is None:
        if settings.hubspot_access_token is not None:
            token = settings.hubspot_access_token.get_secret_value()
        else:
            token = stored_token(engine)
    if not token:
        raise HubSpotConfigError(
            "HubSpot is not connected: set HUBSPOT_ACCESS_TOKEN (a private app token) or install the app "
            "with OAuth (HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET, /hubspot/install)"
        )
    if sleep is None:
        sleep = budget_module.real_sleep  # looked up now, so a test can make waiting instant
    budget = RateBudget(
        engine, settings.hubspot_rate_per_10s, settings.hubspot_search_per_s, clock=clock, sleep=sleep
    )
    return HubSpotApi(
        token, base_url=settings.hubspot_api_url, budget=budget, clock=clock, sleep=sleep, retry=retry
    )
