"""A local HTTP server speaking the documented HubSpot API (hubspot.md, "HubSpot API facts"), for the real
``hubspot-api-client`` pointed at it.

Endpoints: objects list / batch read / search / create / PATCH (``/crm/v3/objects/{t}...``), v4 association
batch read, owners, settings users / teams / roles, pipelines, properties (get, create), account details and
the OAuth token exchange. Shapes as HubSpot's: property values are strings (or null), ``paging.next.after``
only when more follow, ``limit`` capped (100 for lists, 50 with ``propertiesWithHistory``, 200 for search,
1,000 for associations, 100 for batch read: more is a 400), search never past 10,000 results (a 400), never
archived records, ids without associations in ``errors`` with HTTP 207 (``NO_ASSOCIATIONS_FOUND``), a
``hasUniqueValue`` property refusing a duplicate with 409, an unknown property with 400.

State: ``self.state`` (tests/fakes/hubspot_state.py), seeded by tests or from a Salesbot dataset
(tests/fakes/hubspot_seed.py). Every request is recorded in ``requests`` (method, path, query, JSON body,
status). Faults, each for the next ``times`` matching requests (``path`` a substring to match, default any):

- ``rate_limit(times, policy="TEN_SECONDLY_ROLLING", retry_after=0)``: 429 with ``policyName``;
- ``fail(status=500, times)``: an error answer;
- ``hang(seconds, times)``: answer only after ``seconds`` (the client times out first);
- ``lose_answer(times)``: do the work (a create is stored) then drop the connection without answering;
- ``corrupt(object_type, id, how)``: serve that record broken (``"shape"``: ``properties`` not an object;
  ``"value"``: its modification time not a time);
- ``limit_rate(per_10s, search_per_s)``: the server's own rolling limiter (429s it sends are counted in
  ``rate_limited``); ``daily(max, remaining)``: daily headers;
- ``latency_s``: added to every answer (benchmarks); ``search_lag_s``: search sees a change only that long
  after it (eventual consistency; 0 by default);
- ``token``: the bearer token accepted (401 ``INVALID_AUTHENTICATION`` otherwise), besides the access tokens
  the OAuth exchange issued.
- OAuth: ``POST /oauth/v1/token`` (authorization code or refresh token) and ``GET
  /oauth/v1/access-tokens/{token}`` (``hub_id`` = the account's ``portalId``). ``oauth_client`` (id, secret)
  when set must match; ``oauth_codes`` when set are the only codes accepted, once each; ``issue_new_tokens``
  makes each exchange issue a new access token (``token-N``, accepted from then on) and refresh token, the
  refresh tokens issued earlier staying valid as HubSpot's do.

Run alone (benchmarks): ``python -m tests.fakes.hubspot_api --dataset FILE [--latency-ms N] [--rate N]``
prints ``port <n>`` and serves until killed.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from tests.fakes.hubspot_search import matches, sort_key
from tests.fakes.hubspot_state import (
    OBJECT_TYPES,
    READ_ONLY,
    FakeObject,
    State,
    _string,
    iso,
    modified_property,
    parse_time,
)

TOKEN = "test-hubspot-token"
# What ``change_some`` edits per type.
CHANGED_PROPERTY = {
    "companies": "name", "contacts": "lastname", "deals": "dealname", "leads": "hs_lead_name",
    "tasks": "hs_task_subject", "calls": "hs_call_body", "meetings": "hs_meeting_title",
    "notes": "hs_note_body",
    "emails": "hs_email_subject",
}  # fmt: skip


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0


@dataclass
class Fault:
    kind: str  # "rate_limit" | "fail" | "hang" | "lose_answer"
    path: str | None
    times: int
    status: int = 500
    seconds: float = 0.0
    policy: str = "TEN_SECONDLY_ROLLING"
    retry_after: float | None = 0.0
    after: int = 0  # matching requests let through before the fault starts


class HttpError(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("message"))
        self.status = status
        self.body = body
        self.headers = headers or {}


def error(status: int, message: str, category: str = "VALIDATION_ERROR", **extra: Any) -> HttpError:
    return HttpError(
        status,
        {
            "status": "error",
            "message": message,
            "correlationId": "fake-correlation",
            "category": category,
            **extra,
        },
    )


@dataclass
class Limiter:
    per_10s: int | None = None
    search_per_s: int | None = None
    times: deque[float] = field(default_factory=deque)
    search_times: deque[float] = field(default_factory=deque)


class FakeHubSpot:
    def __init__(self, state: State | None = None, *, token: str = TOKEN, latency_s: float = 0.0) -> None:
        self.state = state or State()
        self.token = token
        self.latency_s = latency_s
        self.search_lag_s = 0.0
        self.requests: list[Recorded] = []
        self.rate_limited = 0  # 429s the server's own limiter sent
        self.daily_headers: tuple[int, int] | None = None
        self._faults: list[Fault] = []
        self.oauth_client: tuple[str, str] | None = None
        self.oauth_codes: set[str] | None = None
        self.issue_new_tokens = False
        self.issued: dict[str, str] = {}  # access tokens issued by the OAuth exchange -> refresh token
        self.refresh_tokens: set[str] = {"fake-refresh-token"}
        self._corrupt: dict[tuple[str, int], str] = {}
        self._limiter = Limiter()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.request_queue_size = 64
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeHubSpot:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    # --- scripting ---------------------------------------------------------------------------------------

    def rate_limit(
        self, times: int = 1, *, policy: str = "TEN_SECONDLY_ROLLING", retry_after: float | None = 0.0,
        path: str | None = None,
    ) -> None:  # fmt: skip
        self._faults.append(Fault("rate_limit", path, times, 429, policy=policy, retry_after=retry_after))

    def fail(self, status: int = 500, times: int = 1, *, path: str | None = None, after: int = 0) -> None:
        """``after``: let that many matching requests through first (a failure at a chosen point)."""
        self._faults.append(Fault("fail", path, times, status, after=after))

    def clear_faults(self) -> None:
        self._faults.clear()

    def hang(self, seconds: float = 5.0, times: int = 1, *, path: str | None = None) -> None:
        self._faults.append(Fault("hang", path, times, seconds=seconds))

    def lose_answer(self, times: int = 1, *, path: str | None = None) -> None:
        self._faults.append(Fault("lose_answer", path, times))

    def corrupt(self, object_type: str, oid: int, how: str = "shape") -> None:
        self._corrupt[(object_type, oid)] = how

    def limit_rate(self, per_10s: int | None = None, search_per_s: int | None = None) -> None:
        self._limiter = Limiter(per_10s, search_per_s)

    def daily(self, maximum: int, remaining: int) -> None:
        self.daily_headers = (maximum, remaining)

    def count(self, path: str = "", method: str | None = None) -> int:
        return sum(1 for r in self.requests if path in r.path and (method is None or r.method == method))

    def reset_requests(self) -> None:
        self.requests.clear()
        self.rate_limited = 0

    def command(self, line: str) -> dict[str, Any]:
        """The benchmark's remote control (``main``): ``stats``, ``reset``, ``limit N``, ``latency MS``,
        ``change N SEED`` (N records of every type modified, spread evenly), ``clock ISO``."""
        word, *args = line.split()
        if word == "reset":
            self.reset_requests()
        elif word == "limit":
            self.limit_rate(int(args[0]) or None)
        elif word == "latency":
            self.latency_s = float(args[0]) / 1000
        elif word == "clock":
            moment = parse_time(args[0])
            self.state.clock = lambda: moment
        elif word == "change":
            return {"changed": self.change_some(int(args[0]), int(args[1]))}
        return {"requests": len(self.requests), "rate_limited": self.rate_limited,
                "statuses": _statuses(self.requests), "cpu_s": time.process_time()}  # fmt: skip

    def change_some(self, n: int, seed: int) -> int:
        """Modify ``n`` records spread over every object type (as many per type as its share of records)."""
        import random

        rng = random.Random(seed)
        state = self.state
        total = sum(len(v) for v in state.objects.values())
        changed = 0
        for object_type, objects in state.objects.items():
            share = round(n * len(objects) / total) if total else 0
            ids = rng.sample(sorted(objects), min(share, len(objects)))
            for oid in ids:
                prop = CHANGED_PROPERTY[object_type]
                state.change(object_type, oid, {prop: f"changed {seed} {oid}"})
                changed += 1
        return changed

    # --- faults and limits -------------------------------------------------------------------------------

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and (fault.path is None or fault.path in path):
                    if fault.after > 0:
                        fault.after -= 1
                        continue
                    fault.times -= 1
                    return fault
        return None

    def _over_limit(self, search: bool) -> HttpError | None:
        limiter = self._limiter
        now = time.monotonic()
        with self._lock:
            for times, limit, window in (
                (limiter.times, limiter.per_10s, 10.0),
                (limiter.search_times, limiter.search_per_s if search else None, 1.0),
            ):
                while times and times[0] <= now - window:
                    times.popleft()
                if limit is not None and len(times) >= limit:
                    self.rate_limited += 1
                    policy = "TEN_SECONDLY_ROLLING" if window == 10.0 else "SECONDLY"
                    return HttpError(429, _rate_body(policy), {"Retry-After": "1"})
            limiter.times.append(now)
            if search:
                limiter.search_times.append(now)
        return None

    def _headers(self) -> dict[str, str]:
        limit = self._limiter.per_10s or 190
        headers = {
            "X-HubSpot-RateLimit-Max": str(limit),
            "X-HubSpot-RateLimit-Remaining": str(max(limit - len(self._limiter.times), 0)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        }
        if self.daily_headers is not None:
            maximum, remaining = self.daily_headers
            remaining = max(remaining - 1, 0)  # what is left after this request
            self.daily_headers = (maximum, remaining)
            headers["X-HubSpot-RateLimit-Daily"] = str(maximum)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(remaining)
        return headers

    # --- serving -----------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in separate writes: without this, Nagle's algorithm and the
                # client's delayed ACK add 40 ms to every answer.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                # orjson: a benchmark's fake serving thousands of records a second is not what it measures
                data = orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS) if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in {**fake._headers(), **(headers or {})}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _serve(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    body: Any = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                else:
                    try:
                        body = json.loads(raw) if raw else None
                    except ValueError:
                        body = None
                record = Recorded(method, url.path, parse_qs(url.query), body)
                with fake._lock:
                    fake.requests.append(record)
                if fake.latency_s:
                    time.sleep(fake.latency_s)
                fault = fake._take_fault(url.path)
                try:
                    if fault is not None and fault.kind == "hang":
                        fake._release.wait(fault.seconds)
                    if fault is not None and fault.kind == "rate_limit":
                        headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                        raise HttpError(429, _rate_body(fault.policy), headers)
                    if fault is not None and fault.kind == "fail":
                        raise error(
                            fault.status, "Internal error" if fault.status >= 500 else "Refused", "ERROR"
                        )
                    if not url.path.startswith("/oauth/"):
                        if not fake._authorized(self.headers.get("Authorization", "")):
                            raise error(
                                401, "Authentication credentials not found.", "INVALID_AUTHENTICATION"
                            )
                        limited = fake._over_limit(url.path.endswith("/search"))
                        if limited is not None:
                            raise limited
                    status, answer = fake._route(method, url.path, parse_qs(url.query), body)
                except HttpError as exc:
                    record.status = exc.status
                    self._send(exc.status, exc.body, exc.headers)
                    return
                record.status = status
                if fault is not None and fault.kind == "lose_answer":
                    record.status = -1
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._send(status, answer)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PATCH(self) -> None:
                self._serve("PATCH")

        return Handler

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        state = self.state
        with state.lock:
            if parts[:3] == ["crm", "v3", "objects"] and len(parts) >= 4:
                object_type = _object_type(parts[3])
                rest = parts[4:]
                if method == "GET" and not rest:
                    return 200, self._list(object_type, query)
                if method == "POST" and rest == ["batch", "read"]:
                    return self._batch_read(object_type, body, query)
                if method == "POST" and rest == ["search"]:
                    return 200, self._search(object_type, body)
                if method == "POST" and not rest:
                    return 201, self._create(object_type, body)
                if method == "PATCH" and len(rest) == 1:
                    return 200, self._update(object_type, rest[0], body)
                if method == "GET" and len(rest) == 1:
                    return 200, self._get(object_type, rest[0], query)
            if (
                parts[:3] == ["crm", "v4", "associations"]
                and parts[5:] == ["batch", "read"]
                and method == "POST"
            ):
                return self._associations(_object_type(parts[3]), _object_type(parts[4]), body)
            if parts[:3] == ["crm", "v3", "owners"] and method == "GET":
                archived = _flag(query, "archived")
                owners = [o for o in state.owners if bool(o.get("archived")) == archived]
                return 200, _paged(owners, query, 500)
            if parts[:3] == ["settings", "v3", "users"] and method == "GET":
                if parts[3:] == ["teams"]:
                    return 200, {"results": state.teams}
                if parts[3:] == ["roles"]:
                    return 200, {"results": state.roles}
                if not parts[3:]:
                    return 200, _paged(state.users, query, 100)
            if parts[:3] == ["crm", "v3", "pipelines"] and len(parts) == 4 and method == "GET":
                return 200, {"results": state.pipelines.get(parts[3], [])}
            if parts[:3] == ["crm", "v3", "properties"] and len(parts) >= 4:
                return self._properties(method, _object_type(parts[3]), parts[4:], body)
            if parts == ["account-info", "v3", "details"] and method == "GET":
                return 200, state.account
            if parts == ["oauth", "v1", "token"] and method == "POST":
                return 200, self._token(body or {})
            if parts[:3] == ["oauth", "v1", "access-tokens"] and len(parts) == 4 and method == "GET":
                return 200, self._token_info(parts[3])
        raise error(404, f"Unknown path {method} {path}", "OBJECT_NOT_FOUND")

    # --- objects -----------------------------------------------------------------------------------------

    def _render(
        self, object_type: str, obj: FakeObject, props: list[str], history: list[str]
    ) -> dict[str, Any]:
        how = self._corrupt.get((object_type, obj.id))
        properties: Any = {name: obj.properties.get(name) for name in props}
        properties.setdefault("hs_object_id", str(obj.id))
        properties.setdefault("createdate", obj.properties.get("createdate"))
        properties.setdefault(
            modified_property(object_type), obj.properties.get(modified_property(object_type))
        )
        if how == "shape":
            properties = "not an object"
        elif how == "value":
            properties[modified_property(object_type)] = "yesterday-ish"
        out: dict[str, Any] = {
            "id": str(obj.id),
            "properties": properties,
            "createdAt": iso(obj.created_at),
            "updatedAt": iso(obj.updated_at),
            "archived": obj.archived,
        }
        if obj.archived and obj.archived_at is not None:
            out["archivedAt"] = iso(obj.archived_at)
        if history:
            out["propertiesWithHistory"] = {
                name: [
                    {"value": value, "timestamp": iso(at), "sourceType": "CRM_UI"}
                    for value, at in reversed(self.state.history_of(obj, name))
                ]
                for name in history
            }
        return out

    def _list(self, object_type: str, query: dict[str, list[str]]) -> dict[str, Any]:
        props, history = _names(query, "properties"), _names(query, "propertiesWithHistory")
        cap = 50 if history else 100
        limit = int(query.get("limit", ["10"])[0])
        if limit > cap:
            raise error(400, f"limit must be at most {cap}")
        archived = _flag(query, "archived")
        after = int(query.get("after", ["0"])[0] or 0)
        objects = self.state.objects[object_type]
        if archived:
            ids = sorted(
                i for i in self.state.archived.get(object_type, set()) if i > after and objects[i].archived
            )
        else:
            order = self.state.order.get(object_type, [])
            ids = []
            for i in order[bisect.bisect_right(order, after) :]:
                if not objects[i].archived:
                    ids.append(i)
                    if len(ids) > limit:
                        break
        page = ids[:limit]
        out: dict[str, Any] = {
            "results": [self._render(object_type, objects[i], props, history) for i in page]
        }
        if len(ids) > limit:
            out["paging"] = {"next": {"after": str(page[-1]), "link": "?after=" + str(page[-1])}}
        return out

    def _get(self, object_type: str, oid: str, query: dict[str, list[str]]) -> dict[str, Any]:
        obj = self.state.objects[object_type].get(int(oid)) if oid.isdigit() else None
        if obj is None or obj.archived != _flag(query, "archived"):
            raise error(404, f"Object not found. objectId are usually numeric. ({oid})", "OBJECT_NOT_FOUND")
        return self._render(
            object_type, obj, _names(query, "properties"), _names(query, "propertiesWithHistory")
        )

    def _batch_read(self, object_type: str, body: Any, query: dict[str, list[str]]) -> tuple[int, Any]:
        inputs = (body or {}).get("inputs", [])
        if len(inputs) > 100:
            raise error(400, "Batch input must have at most 100 inputs")
        archived = _flag(query, "archived")
        objects = self.state.objects[object_type]
        results, missing = [], []
        for item in inputs:
            oid = str(item.get("id", ""))
            obj = objects.get(int(oid)) if oid.isdigit() else None
            if obj is None or obj.archived != archived:
                missing.append(oid)
            else:
                results.append(
                    self._render(
                        object_type,
                        obj,
                        body.get("properties") or [],
                        body.get("propertiesWithHistory") or [],
                    )
                )
        stamp = iso(self.state.clock())
        out: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": stamp,
            "completedAt": stamp,
        }
        if missing:
            out["errors"] = [
                {"status": "error", "category": "OBJECT_NOT_FOUND", "message": "Could not get some objects",
                 "context": {"ids": missing}}
            ]  # fmt: skip
            out["numErrors"] = 1
            return 207, out
        return 200, out

    def _search(self, object_type: str, body: Any) -> dict[str, Any]:
        body = body or {}
        limit = int(body.get("limit", 10))
        if limit > 200:
            raise error(400, "limit must be at most 200")
        after = int(body.get("after") or 0)
        if after + limit > 10_000:
            raise error(
                400, "Search results are limited to 10,000; page by a filter instead", "VALIDATION_ERROR"
            )
        groups = [g.get("filters", []) for g in body.get("filterGroups", [])]
        visible_until = self.state.clock() - timedelta(seconds=self.search_lag_s)
        objects = self.state.objects[object_type]
        candidates = self._candidates(object_type, groups)
        found = [
            o
            for o in (objects.values() if candidates is None else (objects[i] for i in candidates))
            if not o.archived
            and (not self.search_lag_s or o.updated_at <= visible_until)
            and matches(o, groups)
        ]
        sorts = body.get("sorts") or []
        found.sort(key=sort_key(sorts))
        page = found[after : after + limit]
        props = body.get("properties") or []
        out: dict[str, Any] = {
            "total": len(found),
            "results": [self._render(object_type, o, props, []) for o in page],
        }
        if after + limit < len(found):
            out["paging"] = {"next": {"after": str(after + limit)}}
        return out

    def _candidates(self, object_type: str, groups: list[list[dict[str, Any]]]) -> list[int] | None:
        """Ids that may match, when every group filters on the modification time from below; else None."""
        if groups and all(any(_id_floor(f) is not None for f in group) for group in groups):
            low = min(max(_id_floor(f) or 0 for f in group) for group in groups)
            order = self.state.order.get(object_type, [])
            return order[bisect.bisect_right(order, low) :]
        modified = modified_property(object_type)
        bounds = []
        for group in groups:
            lows = [
                f for f in group if f.get("propertyName") == modified and f.get("operator") in ("GT", "GTE")
            ]
            if not lows:
                return None
            bounds.append(min(parse_time(str(f["value"])) for f in lows))
        if not bounds:
            return None
        return self.state.modified_after(object_type, min(bounds) - timedelta(milliseconds=1))

    def _check_properties(self, object_type: str, properties: dict[str, Any], exclude: int | None) -> None:
        for name in properties:
            if name in READ_ONLY and name != "hs_timestamp":
                raise error(400, f"Property {name} is read only", "VALIDATION_ERROR")
            if not self.state.known_property(object_type, name):
                raise error(
                    400,
                    f'Property "{name}" does not exist',
                    "VALIDATION_ERROR",
                    subCategory="PROPERTY_DOESNT_EXIST",
                )
        for name in self.state.unique_properties(object_type):
            value = properties.get(name)
            if value is None:
                continue
            for other in self.state.objects[object_type].values():
                if (
                    other.id != exclude
                    and not other.archived
                    and other.properties.get(name) == _string(value)
                ):
                    raise error(409, f"{other.id} already has that value for {name}={value}", "CONFLICT")

    def _create(self, object_type: str, body: Any) -> dict[str, Any]:
        properties = (body or {}).get("properties") or {}
        self._check_properties(object_type, properties, None)
        oid = self.state.add(object_type, properties)
        for association in (body or {}).get("associations") or []:
            to_id = int(association["to"]["id"])
            types = [int(t["associationTypeId"]) for t in association.get("types", [])]
            to_type = next((t for t in OBJECT_TYPES if to_id in self.state.objects[t]), None)
            if to_type is None:
                raise error(400, f"Association target {to_id} not found", "VALIDATION_ERROR")
            self.state.associate(object_type, oid, to_type, to_id, *types)
        return self._render(object_type, self.state.objects[object_type][oid], list(properties), [])

    def _update(self, object_type: str, oid: str, body: Any) -> dict[str, Any]:
        obj = self.state.objects[object_type].get(int(oid)) if oid.isdigit() else None
        if obj is None or obj.archived:
            raise error(404, f"Object not found. objectId are usually numeric. ({oid})", "OBJECT_NOT_FOUND")
        properties = (body or {}).get("properties") or {}
        self._check_properties(object_type, properties, obj.id)
        self.state.change(object_type, obj.id, properties)
        return self._render(object_type, obj, list(properties), [])

    def _associations(self, from_type: str, to_type: str, body: Any) -> tuple[int, Any]:
        inputs = (body or {}).get("inputs", [])
        if len(inputs) > 1000:
            raise error(400, "Batch input must have at most 1000 inputs")
        links = self.state.links.get((from_type, to_type), {})
        results, errors = [], []
        for item in inputs:
            oid = str(item.get("id", ""))
            targets = links.get(int(oid), []) if oid.isdigit() else []
            if not targets:
                errors.append(
                    {
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                        "context": {"fromObjectId": [oid], "toObjectType": [to_type]},
                        "message": f"No {to_type} is associated with {from_type} {oid}.",
                    }
                )
                continue
            results.append(
                {
                    "from": {"id": oid},
                    "to": [
                        {
                            "toObjectId": to_id,
                            "associationTypes": [
                                {
                                    "category": "HUBSPOT_DEFINED",
                                    "typeId": t,
                                    "label": "Primary" if t in (1, 5) else None,
                                }
                                for t in types
                            ],
                        }
                        for to_id, types in targets
                    ],
                }
            )
        stamp = iso(self.state.clock())
        out: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": stamp,
            "completedAt": stamp,
        }
        if errors:
            out["errors"] = errors
            out["numErrors"] = len(errors)
            return 207, out
        return 200, out

    def _properties(self, method: str, object_type: str, rest: list[str], body: Any) -> tuple[int, Any]:
        defined = self.state.properties.setdefault(object_type, {})
        if method == "GET" and len(rest) == 1:
            name = rest[0]
            if name in defined:
                return 200, defined[name]
            if self.state.known_property(object_type, name):
                return 200, {
                    "name": name,
                    "label": name,
                    "type": "string",
                    "fieldType": "text",
                    "hubspotDefined": True,
                }
            raise error(404, f"Unable to find property {name}", "OBJECT_NOT_FOUND")
        if method == "POST" and not rest:
            name = (body or {}).get("name", "")
            if not name or self.state.known_property(object_type, name):
                raise error(409, f"A property named '{name}' already exists.", "OBJECT_ALREADY_EXISTS")
            defined[name] = {**body, "hubspotDefined": False, "createdAt": iso(self.state.clock())}
            return 201, defined[name]
        raise error(404, "Unknown properties call", "OBJECT_NOT_FOUND")

    def _authorized(self, header: str) -> bool:
        token = header.removeprefix("Bearer ")
        return header.startswith("Bearer ") and (token == self.token or token in self.issued)

    def _token_info(self, token: str) -> dict[str, Any]:
        if token != self.token and token not in self.issued:
            raise error(404, "access token not found", "NOT_FOUND")
        return {
            "token": token,
            "hub_id": int(self.state.account.get("portalId", 0)),
            "hub_domain": "fake-portal.hubspot.test",
            "app_id": 1,
            "user": "admin@fake-portal.test",
            "user_id": 1,
            "scopes": ["oauth", "crm.objects.contacts.read", "crm.objects.deals.read"],
            "token_type": "access",
            "expires_in": 1800,
        }

    def _oauth_grant(self, form: dict[str, str]) -> dict[str, Any]:
        """The checks and the new tokens of an exchange when the test scripted them (``oauth_client``,
        ``oauth_codes``, ``issue_new_tokens``)."""
        if self.oauth_client is not None and (form.get("client_id"), form.get("client_secret")) != tuple(
            self.oauth_client
        ):
            raise error(400, "client id or secret mismatch", "BAD_CLIENT_ID")
        grant = form.get("grant_type")
        if grant == "authorization_code" and self.oauth_codes is not None:
            if form.get("code") not in self.oauth_codes:
                raise error(400, "missing or unknown auth code", "BAD_AUTH_CODE")
            self.oauth_codes.discard(form.get("code", ""))
        scripted = self.issue_new_tokens or self.oauth_client is not None
        if grant == "refresh_token" and scripted and form.get("refresh_token") not in self.refresh_tokens:
            raise error(400, "missing or unknown refresh token", "BAD_REFRESH_TOKEN")
        if not self.issue_new_tokens:
            return {}
        n = len(self.issued) + 1
        access, refresh = f"{self.token}-{n}", f"refresh-{n}"
        self.issued[access] = refresh
        self.refresh_tokens.add(refresh)
        return {"access_token": access, "refresh_token": refresh}

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type")
        if grant in ("authorization_code", "refresh_token"):
            issued = self._oauth_grant(form)
            if issued:
                return {"token_type": "bearer", "expires_in": 1800, **issued}
        if (grant == "authorization_code" and form.get("code")) or (
            grant == "refresh_token" and form.get("refresh_token")
        ):
            return {
                "token_type": "bearer",
                "access_token": self.token,
                "refresh_token": "fake-refresh-token",
                "expires_in": 1800,
            }
        raise error(400, "missing or unknown grant", "BAD_AUTH_CODE")


def _statuses(requests: list[Recorded]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in requests:
        out[str(r.status)] = out.get(str(r.status), 0) + 1
    return out


def _id_floor(f: dict[str, Any]) -> int | None:
    """The id a filter ``hs_object_id GT/GTE n`` starts after."""
    if f.get("propertyName") != "hs_object_id" or f.get("operator") not in ("GT", "GTE"):
        return None
    value = int(str(f["value"]))
    return value if f["operator"] == "GT" else value - 1


def _rate_body(policy: str) -> dict[str, Any]:
    return {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit."
        if policy == "TEN_SECONDLY_ROLLING"
        else f"You have reached your {policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "fake-correlation",
        "policyName": policy,
    }


def _object_type(name: str) -> str:
    aliases = {
        "0-1": "contacts", "0-2": "companies", "0-3": "deals", "contact": "contacts", "company": "companies",
        "deal": "deals", "lead": "leads", "task": "tasks", "call": "calls", "meeting": "meetings",
        "note": "notes", "email": "emails",
    }  # fmt: skip
    name = aliases.get(name, name)
    if name not in OBJECT_TYPES:
        raise error(400, f"Unable to infer object type from: {name}", "VALIDATION_ERROR")
    return name


def _names(query: dict[str, list[str]], key: str) -> list[str]:
    return [n for value in query.get(key, []) for n in value.split(",") if n]


def _flag(query: dict[str, list[str]], key: str) -> bool:
    return query.get(key, ["false"])[0].lower() == "true"


def _paged(items: list[dict[str, Any]], query: dict[str, list[str]], cap: int) -> dict[str, Any]:
    limit = min(int(query.get("limit", ["100"])[0]), cap)
    after = int(query.get("after", ["0"])[0] or 0)
    page = items[after : after + limit]
    out: dict[str, Any] = {"results": page}
    if after + limit < len(items):
        out["paging"] = {"next": {"after": str(after + limit)}}
    return out


def main() -> None:  # pragma: no cover - used by bench/hubspot_sync.py
    import argparse
    import gc
    import sys

    from tests.fakes.hubspot_seed import state_from_dataset

    parser = argparse.ArgumentParser(description="serve a fake HubSpot seeded from a Salesbot dataset")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate", type=int, help="the server's own limit per 10 s")
    args = parser.parse_args()
    state = state_from_dataset(args.dataset)
    # The seeded records (millions of objects, alive to the end) out of the garbage collector's sight: else
    # each full collection, set off by the dicts every answer builds, goes over all of them (about half of
    # this process's CPU in bench/hubspot_sync.py: a real HubSpot costs the machine measured nothing).
    gc.collect()
    gc.freeze()
    with FakeHubSpot(state, latency_s=args.latency_ms / 1000) as fake:
        if args.rate:
            fake.limit_rate(args.rate)
        print(f"port {fake._server.server_address[1]}", flush=True)
        for line in sys.stdin:  # commands from the benchmark, one a line
            reply = fake.command(line.strip())
            print(json.dumps(reply), flush=True)


if __name__ == "__main__":  # pragma: no cover
    main()
