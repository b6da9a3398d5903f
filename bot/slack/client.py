"""The one way Salesbot builds a Slack ``WebClient``: base URL from ``SLACK_API_URL`` and retry handlers.

Interactive surfaces use :func:`web_client`, which retries connection errors, 5xx and 429 (sleeping the
``Retry-After`` Slack asks for). Digest delivery uses :func:`delivery_client`, which leaves 429 to the
sender: it must pace the whole workspace and requeue the message instead of blocking one worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

if TYPE_CHECKING:  # pydantic-settings loads when settings are first read, not with this module
    from crm.config import Settings

# Web API calls are quick; a stuck connection should fail over to a retry rather than hold a worker.
TIMEOUT_S = 15


class SlackNotConfigured(RuntimeError):
    """No bot token: Slack cannot be called (the demo and previews do not need it)."""


def base_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def _token(settings: Settings, token: str | None) -> str:
    if token:
        return token
    if settings.slack_bot_token is None:
        raise SlackNotConfigured("SLACK_BOT_TOKEN is not set: Salesbot cannot call Slack")
    return settings.slack_bot_token.get_secret_value()


def retry_handlers(*, rate_limits: bool) -> list[RetryHandler]:
    handlers: list[RetryHandler] = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    if rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    return handlers


def web_client(token: str | None = None, settings: Settings | None = None) -> WebClient:
    """A client for interactive work: every transient failure retried inside the call."""
    if settings is None:
        from crm.config import get_settings

        settings = get_settings()
    return WebClient(
        token=_token(settings, token),
        base_url=base_url(settings),
        timeout=TIMEOUT_S,
        retry_handlers=retry_handlers(rate_limits=True),
    )


def delivery_client(token: str | None = None, settings: Settings | None = None) -> WebClient:
    """A client for bulk sending: connection errors and 5xx retried in the call, 429 returned to the
    caller (as ``SlackApiError`` with status 429 and ``Retry-After``)."""
    if settings is None:
        from crm.config import get_settings

        settings = get_settings()
    return WebClient(
        token=_token(settings, token),
        base_url=base_url(settings),
        timeout=TIMEOUT_S,
        retry_handlers=retry_handlers(rate_limits=False),
    )
