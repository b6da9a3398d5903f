"""The connector's own exceptions: what a HubSpot failure means for Salesbot, with the CLI's exit code.

- ``HubSpotConfigError`` (exit 2): a missing setting, a token HubSpot rejects (401), a missing scope (403).
- ``HubSpotUnavailable`` (exit 4): HubSpot cannot be reached, keeps failing (5xx, timeouts) or the daily
  request cap is spent (``HubSpotDailyLimit``); ``HubSpotAnswerLost``: a create whose answer never came
  (HubSpot may have stored it: the caller must look before creating again).
- ``HubSpotRequestError``: any other 4xx, with HubSpot's ``message`` and ``category``
  (``HubSpotConflict`` for 409).
"""

from __future__ import annotations

from typing import Any

EXIT_CONFIG = 2
EXIT_UNAVAILABLE = 4


class HubSpotError(Exception):
    exit_code = EXIT_UNAVAILABLE


class HubSpotConfigError(HubSpotError):
    exit_code = EXIT_CONFIG


class HubSpotUnavailable(HubSpotError):
    exit_code = EXIT_UNAVAILABLE


class HubSpotDailyLimit(HubSpotUnavailable):
    pass


class HubSpotAnswerLost(HubSpotUnavailable):
    pass


class HubSpotRequestError(HubSpotError):
    """A 4xx other than 401/429: the request itself was refused."""

    exit_code = EXIT_CONFIG

    def __init__(self, status: int, message: str, category: str | None = None, body: Any = None) -> None:
        super().__init__(f"HubSpot refused the request ({status} {category or 'ERROR'}): {message}")
        self.status = status
        self.message = message
        self.category = category
        self.body = body

    def __reduce__(self) -> tuple[Any, ...]:  # pickled by a reading process (``reading.ProcessReader``)
        return type(self), (self.status, self.message, self.category, self.body)


class HubSpotForbidden(HubSpotRequestError):
    """403: the token lacks a scope (or the portal forbids the call): a configuration problem."""


class HubSpotConflict(HubSpotRequestError):
    """409: for example a property or a unique value that already exists."""
