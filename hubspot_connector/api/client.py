"""``HubSpotApi``: typed calls to HubSpot through its official client, inside the shared rate budget.

Every call goes through ``_call``: take a slot of the budget (``budget.RateBudget``), call the official
client's generated API (``_preload_content=False``: the raw answer, parsed here into plain dicts, with its
headers), and map failures:

- 429: ``TEN_SECONDLY_ROLLING`` (or no policy) waits ``Retry-After`` and tries again; ``DAILY`` stops with
  ``HubSpotDailyLimit``;
- 5xx, timeouts and network errors: retried with exponential back-off, then ``HubSpotUnavailable`` (exit 4);
  a create is not retried once it may have reached HubSpot (``HubSpotAnswerLost``: look before creating);
- 401: ``HubSpotConfigError`` (exit 2); 403: ``HubSpotForbidden``; 409: ``HubSpotConflict``; any other 4xx:
  ``HubSpotRequestError`` with HubSpot's message and category.

The client's own urllib3 retries are off, so every request sent is one this module counted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import urllib3
from hubspot import HubSpot
from urllib3.util.retry import Retry

from hubspot_connector.api import names
from hubspot_connector.budget import RateBudget, real_sleep, wall_clock
from hubspot_connector.errors import (
    HubSpotAnswerLost,
    HubSpotConfigError,
    HubSpotConflict,
    HubSpotDailyLimit,
    HubSpotForbidden,
    HubSpotRequestError,
    HubSpotUnavailable,
)

Json = dict[str, Any]
_NO_RETRIES = Retry(
    total=0, connect=0, read=0, redirect=0, status=0, raise_on_redirect=False, raise_on_status=False
)


@dataclass
class Page:
    results: list[Json]
    after: str | None  # paging.next.after; None on the last page
    total: int | None = None


@dataclass
class Associations:
    """One batch of v4 associations: for each ``from`` id, its targets as (to id, type ids)."""

    to: dict[str, list[tuple[str, list[int]]]] = field(default_factory=dict)

    @classmethod
    def of(cls, answers: Iterable[bytes]) -> Associations:
        """The associations of batch reads' answers (``HubSpotApi.association_answers``)."""
        found = cls()
        for answer in answers:
            found.add(answer)
        return found

    def add(self, answer: bytes) -> None:
        """The associations of one batch read's answer (``HubSpotApi.association_answers``)."""
        for result in _parse(answer).get("results", []):
            targets = self.to.setdefault(str(result["from"]["id"]), [])
            for target in result.get("to", []):
                types = [int(t["typeId"]) for t in target.get("associationTypes", [])]
                targets.append((str(target["toObjectId"]), types))


@dataclass
class RetryPolicy:
    attempts: int = 6  # for 5xx and network errors
    backoff_s: float = 0.5  # doubled after each failure
    max_backoff_s: float = 30.0
    rate_limited_attempts: int = 30  # 429s in a row before giving up
    timeout_s: float = 30.0


def _error_status(exc: Exception) -> int | None:
    status = getattr(exc, "status", None)
    return status if isinstance(status, int) else None


def _is_api_exception(exc: BaseException) -> bool:
    # Each generated package of the client has its own ApiException class with the same shape.
    return type(exc).__name__.endswith("Exception") and hasattr(exc, "status") and hasattr(exc, "reason")


class HubSpotApi:
    def __init__(
        self,
        token: str | Callable[[], str],
        *,
        base_url: str = "https://api.hubapi.com",
        budget: RateBudget | None = None,
        clock: Callable[[], datetime] = wall_clock,
        sleep: Callable[[float], None] = real_sleep,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._token = token
        self._current_token = token() if callable(token) else token
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.clock = clock
        self.sleep = sleep
        self.retry = retry or RetryPolicy()
        self.requests_sent = 0
        self.rate_limited = 0  # 429s received
        self._counting = threading.Lock()  # the sync calls from two threads (its reader's and its own)
        client = HubSpot(access_token=self._current_token, host=self.base_url, retry=_NO_RETRIES)
        crm = client.crm
        self._objects_basic = crm.objects.basic_api
        self._objects_batch = crm.objects.batch_api
        self._objects_search = crm.objects.search_api
        self._associations = crm.associations.v4.batch_api
        self._owners = crm.owners.owners_api
        self._pipelines = crm.pipelines.pipelines_api
        self._properties = crm.properties.core_api
        self._users = client.settings.users.users_api
        self._teams = client.settings.users.teams_api
        self._roles = client.settings.users.roles_api
        self._tokens = client.oauth.tokens_api
        self._access_tokens = client.oauth.access_tokens_api
        self._apis = [
            self._objects_basic, self._objects_batch, self._objects_search, self._associations, self._owners,
            self._pipelines, self._properties, self._users, self._teams, self._roles,
        ]  # fmt: skip

    def fixed_token(self) -> str | None:
        """The access token when it is a fixed one (a private app's), not refreshed by OAuth here."""
        return None if callable(self._token) else self._token

    def count_elsewhere(self, sent: int, rate_limited: int, waited_s: float) -> None:
        """Count requests sent for this API by another process (``reading.ProcessReader``)."""
        with self._counting:
            self.requests_sent += sent
            self.rate_limited += rate_limited
        if self.budget is not None:
            self.budget.waited_s += waited_s

    # --- the one way out ---------------------------------------------------------------------------------

    def _refresh_token(self) -> None:
        if not callable(self._token):
            return
        token = self._token()
        if token != self._current_token:
            self._current_token = token
            for api in self._apis:
                api.api_client.configuration.access_token = token

    def _call(
        self, function: Callable[..., Any], *args: Any, search: bool = False, safe: bool = True, **kwargs: Any
    ) -> Json:
        return _parse(self._answer(function, *args, search=search, safe=safe, **kwargs))

    def _answer(
        self, function: Callable[..., Any], *args: Any, search: bool = False, safe: bool = True, **kwargs: Any
    ) -> bytes:
        """``_call``'s successful answer as HubSpot sent it (JSON, not parsed)."""
        failures = 0
        limited = 0
        while True:
            self._refresh_token()
            slot = self.budget.acquire(search=search) if self.budget is not None else None
            with self._counting:
                self.requests_sent += 1
            try:
                response = function(
                    *args, _preload_content=False, _request_timeout=self.retry.timeout_s, **kwargs
                )
            except Exception as exc:
                if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
                    if self.budget is not None:
                        self.budget.note_answer({}, slot)  # it may have reached HubSpot: counted until now
                    failures += 1
                    if not safe:
                        raise HubSpotAnswerLost(f"HubSpot did not answer ({type(exc).__name__})") from None
                    self._back_off(
                        failures, f"cannot reach HubSpot at {self.base_url} ({type(exc).__name__})"
                    )
                    continue
                if not _is_api_exception(exc):
                    raise
                status = _error_status(exc) or 0
                body = _parse(getattr(exc, "body", None))
                headers = dict(getattr(exc, "headers", None) or {})
                if self.budget is not None:
                    self.budget.note_answer(headers, slot)
                if status == 429:
                    with self._counting:
                        self.rate_limited += 1
                    limited += 1
                    self._obey_rate_limit(body, headers, limited)
                    continue
                if status == 0 or status >= 500:
                    failures += 1
                    if not safe and status == 0:
                        raise HubSpotAnswerLost(f"HubSpot did not answer ({exc})") from None
                    self._back_off(failures, f"HubSpot keeps failing ({status} {_message(body)})")
                    continue
                raise _refusal(status, body) from None
            if self.budget is not None:
                self.budget.note_answer(dict(response.headers), slot)
            return response.data

    def reserve(self, requests: int) -> None:
        """Take slots of the budget ahead for ``requests`` about to be sent (``RateBudget.reserve``)."""
        if self.budget is not None:
            self.budget.reserve(requests)

    def _back_off(self, failures: int, reason: str) -> None:
        if failures >= self.retry.attempts:
            raise HubSpotUnavailable(reason)
        self.sleep(min(self.retry.backoff_s * 2 ** (failures - 1), self.retry.max_backoff_s))

    def _obey_rate_limit(self, body: Json, headers: dict[str, Any], limited: int) -> None:
        policy = body.get("policyName")
        if policy == "DAILY":
            raise HubSpotDailyLimit(
                "HubSpot's daily request limit for this portal is spent; syncing resumes tomorrow"
            )
        if limited >= self.retry.rate_limited_attempts:
            raise HubSpotUnavailable(f"HubSpot keeps answering 429 ({policy or 'rate limited'})")
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            wait = float(lowered.get("retry-after", ""))
        except ValueError:
            interval = lowered.get("x-hubspot-ratelimit-interval-milliseconds")
            wait = float(interval) / 1000 if interval and str(interval).isdigit() else 10.0
        self.sleep(max(wait, 0.0))

    # --- objects -----------------------------------------------------------------------------------------

    def list_page(
        self,
        object_type: str,
        *,
        properties: Sequence[str],
        properties_with_history: Sequence[str] = (),
        archived: bool = False,
        after: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """``GET /crm/v3/objects/{t}``: one page (100 at most; 50 with history)."""
        cap = names.HISTORY_LIST_LIMIT if properties_with_history else names.LIST_LIMIT
        kwargs: dict[str, Any] = {"limit": min(limit or cap, cap), "archived": archived}
        if properties:
            kwargs["properties"] = list(properties)
        if properties_with_history:
            kwargs["properties_with_history"] = list(properties_with_history)
        if after:
            kwargs["after"] = after
        data = self._call(self._objects_basic.get_page, object_type, **kwargs)
        return Page(data.get("results", []), _next_after(data))

    def batch_read(
        self,
        object_type: str,
        ids: Sequence[str],
        *,
        properties: Sequence[str],
        properties_with_history: Sequence[str] = (),
        archived: bool = False,
    ) -> list[Json]:
        """``POST /crm/v3/objects/{t}/batch/read``, 100 ids a request."""
        found: list[Json] = []
        for start in range(0, len(ids), names.BATCH_READ_LIMIT):
            body: Json = {
                "inputs": [{"id": i} for i in ids[start : start + names.BATCH_READ_LIMIT]],
                "properties": list(properties),
            }
            if properties_with_history:
                body["propertiesWithHistory"] = list(properties_with_history)
            data = self._call(self._objects_batch.read, object_type, body, archived=archived)
            found += data.get("results", [])
        return found

    def search(
        self,
        object_type: str,
        *,
        filters: Sequence[Json] = (),
        filter_groups: Sequence[Sequence[Json]] | None = None,
        sorts: Sequence[Json] = (),
        properties: Sequence[str] = (),
        limit: int = names.SEARCH_LIMIT,
        after: str | None = None,
    ) -> Page:
        """``POST /crm/v3/objects/{t}/search``: one page (groups ORed, filters within a group ANDed)."""
        groups = filter_groups if filter_groups is not None else ([filters] if filters else [])
        body: Json = {
            "filterGroups": [{"filters": list(group)} for group in groups],
            "sorts": list(sorts),
            "properties": list(properties),
            "limit": min(limit, names.SEARCH_LIMIT),
        }
        if after:
            body["after"] = after
        data = self._call(self._objects_search.do_search, object_type, body, search=True)
        return Page(data.get("results", []), _next_after(data), data.get("total"))

    def search_by_id(
        self,
        object_type: str,
        *,
        filters: Sequence[Json] = (),
        properties: Sequence[str] = (),
        after_id: int = 0,
    ) -> Iterator[list[Json]]:
        """Every match of ``filters``, a page at a time, in ``hs_object_id`` order, past the 10,000 cap:
        sorted by id, each query restarted with ``hs_object_id GT <last id>`` before its paging reaches the
        cap. ``after_id`` resumes after an id already handled."""
        last = after_id
        while True:
            key = [*filters, {"propertyName": names.OBJECT_ID, "operator": "GT", "value": str(last)}]
            after: str | None = None
            seen = 0
            while True:
                page = self.search(
                    object_type,
                    filters=key,
                    sorts=[{"propertyName": names.OBJECT_ID, "direction": "ASCENDING"}],
                    properties=properties,
                    after=after,
                )
                if page.results:
                    yield page.results
                    last = int(page.results[-1]["id"])
                    seen += len(page.results)
                if page.after is None:
                    return
                if seen + names.SEARCH_LIMIT > names.SEARCH_CAP:
                    break  # the next page would pass the cap: a new query from the last id
                after = page.after

    def create(self, object_type: str, properties: dict[str, str], associations: Sequence[Json] = ()) -> Json:
        """``POST /crm/v3/objects/{t}``; never retried once sent (``HubSpotAnswerLost`` if no answer)."""
        body: Json = {"properties": properties, "associations": list(associations)}
        return self._call(self._objects_basic.create, object_type, body, safe=False)

    def update(self, object_type: str, object_id: str, properties: dict[str, str]) -> Json:
        """``PATCH /crm/v3/objects/{t}/{id}`` (harmless to repeat)."""
        return self._call(self._objects_basic.update, object_type, object_id, {"properties": properties})

    # --- associations ------------------------------------------------------------------------------------

    def associations(self, from_type: str, to_type: str, ids: Sequence[str]) -> Associations:
        """``POST /crm/v4/associations/{from}/{to}/batch/read``, 1,000 ids a request. Ids with none come back
        as ``NO_ASSOCIATIONS_FOUND`` errors (HTTP 207): they are simply absent from the result."""
        return Associations.of(self.association_answers(from_type, to_type, ids))

    def association_answers(self, from_type: str, to_type: str, ids: Sequence[str]) -> list[bytes]:
        """``associations``' answers as HubSpot sent them, one per batch of 1,000 (``Associations.add``
        reads one): a process reading HubSpot for another hands them over unread."""
        return [
            self._answer(
                self._associations.get_page,
                from_type,
                to_type,
                {"inputs": [{"id": i} for i in ids[start : start + names.ASSOCIATION_BATCH_LIMIT]]},
            )
            for start in range(0, len(ids), names.ASSOCIATION_BATCH_LIMIT)
        ]

    # --- owners, users, teams, roles, pipelines, account ---------------------------------------------------

    def owners(self, *, archived: bool = False) -> list[Json]:
        """``GET /crm/v3/owners``, every page."""
        return list(
            self._pages(lambda after: self._call(self._owners.get_page, **_paging(after), archived=archived))
        )

    def users(self) -> list[Json]:
        """``GET /settings/v3/users/``, every page."""
        return list(self._pages(lambda after: self._call(self._users.get_page, **_paging(after))))

    def teams(self) -> list[Json]:
        """``GET /settings/v3/users/teams``."""
        return list(self._call(self._teams.get_all).get("results", []))

    def roles(self) -> list[Json]:
        """``GET /settings/v3/users/roles``."""
        return list(self._call(self._roles.get_all).get("results", []))

    def pipelines(self, object_type: str) -> list[Json]:
        """``GET /crm/v3/pipelines/{t}``."""
        return list(self._call(self._pipelines.get_all, object_type).get("results", []))

    def account_details(self) -> Json:
        """``GET /account-info/v3/details`` (the client has no call for it: its API client's generic one)."""
        api_client = self._owners.api_client
        return self._call(
            api_client.call_api,
            names.ACCOUNT_DETAILS_PATH,
            "GET",
            header_params={"Accept": "application/json"},
            auth_settings=["oauth2"],
        )

    # --- properties --------------------------------------------------------------------------------------

    def get_property(self, object_type: str, name: str) -> Json | None:
        """``GET /crm/v3/properties/{t}/{name}``; None when the portal has no such property."""
        try:
            return self._call(self._properties.get_by_name, object_type, name)
        except HubSpotRequestError as exc:
            if exc.status == 404:
                return None
            raise

    def create_property(self, object_type: str, definition: Json) -> Json:
        """``POST /crm/v3/properties/{t}`` (``HubSpotConflict`` when it exists)."""
        return self._call(self._properties.create, object_type, definition)

    # --- OAuth -------------------------------------------------------------------------------------------

    def exchange_token(
        self,
        *,
        client_id: str,
        client_secret: str,
        code: str | None = None,
        redirect_uri: str | None = None,
        refresh_token: str | None = None,
    ) -> Json:
        """``POST /oauth/v1/token`` (form-encoded): an authorization code or a refresh token for tokens
        ``{access_token, refresh_token, expires_in, ...}``."""
        kwargs: dict[str, Any] = {"client_id": client_id, "client_secret": client_secret}
        if code is not None:
            kwargs.update(grant_type="authorization_code", code=code, redirect_uri=redirect_uri)
        else:
            kwargs.update(grant_type="refresh_token", refresh_token=refresh_token)
        return self._call(self._tokens.create, **kwargs)

    def access_token_info(self, access_token: str) -> Json:
        """``GET /oauth/v1/access-tokens/{token}``: the token's portal (``hub_id``, ``hub_domain``), scopes,
        user and remaining life."""
        return self._call(self._access_tokens.get, access_token)

    # --- helpers -----------------------------------------------------------------------------------------

    @staticmethod
    def _pages(fetch: Callable[[str | None], Json]) -> Iterator[Json]:
        after: str | None = None
        while True:
            data = fetch(after)
            yield from data.get("results", [])
            after = _next_after(data)
            if after is None:
                return


def _paging(after: str | None) -> dict[str, Any]:
    return {"limit": names.LIST_LIMIT, **({"after": after} if after else {})}


def _next_after(data: Json) -> str | None:
    after = ((data.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None


def _parse(raw: Any) -> Json:
    if raw is None or raw == b"" or raw == "":
        return {}
    try:
        data = orjson.loads(raw)  # answers of 1,000 records' associations: the stdlib's parser costs 3 times
    except (orjson.JSONDecodeError, TypeError):
        return {"message": str(raw)[:200]}
    return data if isinstance(data, dict) else {"results": data}


def _message(body: Json) -> str:
    return str(body.get("message") or body.get("category") or "no message")


def _refusal(status: int, body: Json) -> Exception:
    message, category = _message(body), body.get("category")
    if status == 401:
        return HubSpotConfigError(f"HubSpot rejected the token (401 {category or 'UNAUTHORIZED'}): {message}")
    if status == 403:
        return HubSpotForbidden(status, message, category, body)
    if status == 409:
        return HubSpotConflict(status, message, category, body)
    return HubSpotRequestError(status, message, category, body)


def chunks(items: Sequence[Any] | Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
