"""A local HTTP server that speaks enough of the Slack Web API for Salesbot's tests and benchmarks.

It answers the way Slack does (``{"ok": ...}`` JSON, ``429`` with ``Retry-After``, form or JSON bodies, GET
or POST) and records every request, so tests assert on what Slack would have received. It checks each
posted message against Block Kit limits (``invalid_blocks`` like Slack) and can be told to:

- rate-limit ``chat.postMessage`` per workspace (``workspace_rate`` messages per second, a fixed window)
  and per channel (``channel_interval`` seconds between two messages to one channel);
- fail the next calls of a method (``fail(method, status=500)``, ``fail(method, ratelimited=2)``);
- refuse a payload that Block Kit's JSON Schema rejects (``invalid_blocks``, like Slack; every refusal
  is kept in ``schema_rejections``, and ``tests/conftest.py`` fails the test that caused one unless it sets
  ``expect_invalid_blocks``); ``check_block_kit=False`` for benchmarks, which measure the app, not the
  fake;
- hang a call until released (``hang(method, record=True)``: the message is stored first, as if Slack
  posted it and the connection died before the answer).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import math
import threading
import time
import weakref
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.slack import limits
from tests.fakes import slack_channels
from tests.fakes.block_kit import payload_errors
from tests.fakes.slack_channels import Channel

TOKEN_PREFIXES = ("xoxb-", "xoxp-")
RESPONSE_URL_PATH = "/response/"
# Every fake started in this process, for the tests' guard on invalid payloads (tests/conftest.py).
STARTED: weakref.WeakSet[FakeSlack] = weakref.WeakSet()


@dataclass
class Request:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Fault:
    status: int = 500
    retry_after: int | None = None
    error: str | None = None  # an ok:false answer with HTTP 200
    hang: threading.Event | None = None
    record: bool = False  # with hang: store the message before hanging


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None
    user: str | None = None
    updates: list[dict[str, Any]] = field(default_factory=list)


class FakeSlack:
    def __init__(
        self,
        *,
        users: dict[str, str] | None = None,
        workspace_rate: int | None = None,
        channel_interval: float | None = None,
        token: str = "xoxb-test-token",
        check_block_kit: bool = True,
    ) -> None:
        self.check_block_kit = check_block_kit
        self.expect_invalid_blocks = False  # set by a test that sends an invalid payload on purpose
        self.schema_rejections: list[tuple[str, list[str]]] = []  # (method, the schema's errors)
        self.users = dict(users or {})  # email -> Slack user id
        self.workspace_rate = workspace_rate
        self.channel_interval = channel_interval
        self.token = token
        self.requests: list[Request] = []
        self.channels: dict[str, Channel] = {}  # conversations.members / .info (tests.fakes.slack_channels)
        self.bots: set[str] = {"UBOT"}
        self.unfurls: list[dict[str, Any]] = []
        self.messages: list[Message] = []
        self.rejected: list[tuple[str, str]] = []  # (method, error) answered with ok:false or 429
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._window = (0, 0)  # (second, count)
        self._last_by_channel: dict[str, float] = {}
        self.oauth_client: tuple[str, str] | None = None  # (client id, secret) oauth.v2.access accepts
        self.oauth_codes: set[str] = set()
        self.received = threading.Event()  # set whenever a request arrives
        self.hanging = threading.Event()  # set when a call starts hanging (see ``hang``)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control -------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        fake = self
        STARTED.add(self)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    def fail(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 500,
        ratelimited: int | None = None,
        error: str | None = None,
    ) -> None:
        for _ in range(times):
            if ratelimited is not None:
                self._faults[method].append(Fault(status=429, retry_after=ratelimited))
            elif error is not None:
                self._faults[method].append(Fault(status=200, error=error))
            else:
                self._faults[method].append(Fault(status=status))

    def hang(self, method: str, *, record: bool = False) -> threading.Event:
        release = threading.Event()
        self._faults[method].append(Fault(hang=release, record=record))
        return release

    def response_url(self, name: str = "r1") -> str:
        """A ``response_url`` pointing at this server (posts to it are recorded as ``response_url``)."""
        return f"{self.url.rstrip('/').removesuffix('/api')}{RESPONSE_URL_PATH}{name}"

    def calls(self, method: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == method]

    def messages_to(self, channel: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if m.channel == channel]

    # --- protocol ------------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        method = parts.path.rsplit("/", 1)[-1]
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        params: dict[str, Any] = {k: v[0] for k, v in parse_qs(parts.query).items()}
        content_type = handler.headers.get("Content-Type") or ""
        if body:
            if "application/json" in content_type:
                params.update(json.loads(body))
            else:
                params.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
        for key in ("blocks", "metadata", "view", "unfurls"):
            if isinstance(params.get(key), str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        headers = {k.lower(): v for k, v in handler.headers.items()}
        invalid = payload_errors(params) if self.check_block_kit else []
        if parts.path.startswith(RESPONSE_URL_PATH):
            # A response_url (Slack's hooks): no token, answers "ok".
            with self._lock:
                self.requests.append(Request("response_url", params, headers))
            self.received.set()
            if invalid:
                return self._refuse("response_url", invalid, handler, status=400)
            return self._reply(handler, {"ok": True})
        with self._lock:
            self.requests.append(Request(method, params, headers))
            fault = self._faults[method].popleft() if self._faults[method] else None
        self.received.set()
        if invalid:
            return self._refuse(method, invalid, handler)
        auth = headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() or params.get("token", "")
        if method == "oauth.v2.access":  # authenticated by the app's client id and secret (HTTP Basic)
            return self._reply(handler, self._oauth_access(params, auth))
        if token != self.token:
            return self._reply(handler, {"ok": False, "error": "invalid_auth" if token else "not_authed"})
        if fault is not None:
            if fault.hang is not None:
                if fault.record:
                    self._answer(method, params)
                self.hanging.set()
                fault.hang.wait(30)
                handler.close_connection = True
                return None
            if fault.error:
                self.rejected.append((method, fault.error))
                return self._reply(handler, {"ok": False, "error": fault.error})
            if fault.status == 429:
                self.rejected.append((method, "ratelimited"))
                return self._reply(
                    handler,
                    {"ok": False, "error": "ratelimited"},
                    429,
                    {"Retry-After": str(fault.retry_after)},
                )
            self.rejected.append((method, f"HTTP {fault.status}"))
            return self._reply(handler, {"ok": False, "error": "internal_error"}, fault.status)
        if method == "chat.postMessage":
            limited = self._rate_limit(str(params.get("channel", "")))
            if limited is not None:
                self.rejected.append((method, "ratelimited"))
                return self._reply(
                    handler, {"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(limited)}
                )
        return self._reply(handler, self._answer(method, params))

    def _refuse(
        self, method: str, errors: list[str], handler: BaseHTTPRequestHandler, status: int = 200
    ) -> None:
        """Answer a payload the Block Kit schema rejects as Slack does, and keep why."""
        with self._lock:
            self.schema_rejections.append((method, errors))
            self.rejected.append((method, "invalid_blocks"))
        error = "invalid_arguments" if method.startswith("views.") else "invalid_blocks"
        return self._reply(handler, {"ok": False, "error": error, "errors": errors[:20]}, status)

    def _rate_limit(self, channel: str) -> int | None:
        now = time.monotonic()
        with self._lock:
            if self.channel_interval is not None:
                last = self._last_by_channel.get(self._dm(channel))
                if last is not None and now - last < self.channel_interval:
                    return max(1, math.ceil(self.channel_interval - (now - last)))
            if self.workspace_rate is not None:
                second = int(now)
                window, count = self._window
                if window != second:
                    window, count = second, 0
                if count >= self.workspace_rate:
                    return 1
                self._window = (window, count + 1)
            self._last_by_channel[self._dm(channel)] = now
        return None

    @staticmethod
    def _dm(channel: str) -> str:
        return "D" + channel[1:] if channel.startswith(("U", "W")) else channel

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        channel_answer = slack_channels.answer(self, method, params)
        if channel_answer is not None:
            return channel_answer
        if method == "auth.test":
            return {"ok": True, "user_id": "UBOT", "team_id": "T0001", "bot_id": "B0001"}
        if method == "users.lookupByEmail":
            email = str(params.get("email", "")).lower()
            for known, user_id in self.users.items():
                if known.lower() == email:
                    return {"ok": True, "user": {"id": user_id, "profile": {"email": known}}}
            return {"ok": False, "error": "users_not_found"}
        if method == "users.info":
            for email, user_id in self.users.items():
                if user_id == params.get("user"):
                    return {"ok": True, "user": {"id": user_id, "profile": {"email": email}, "tz": "UTC"}}
            return {"ok": False, "error": "user_not_found"}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": self._dm(str(params.get("users", "")))}}
        if method == "chat.postMessage":
            return self._post(params)
        if method == "chat.update":
            try:
                limits.check_message({"text": params.get("text"), "blocks": params.get("blocks") or []})
            except limits.LimitExceeded:
                self.rejected.append(("chat.update", "invalid_blocks"))
                return {"ok": False, "error": "invalid_blocks"}
            with self._lock:
                for message in self.messages:
                    if message.channel == params.get("channel") and message.ts == params.get("ts"):
                        message.updates.append(params)
                        message.blocks = params.get("blocks") or message.blocks
                        message.text = params.get("text") or message.text
                        return {"ok": True, "channel": message.channel, "ts": message.ts}
            return {"ok": False, "error": "message_not_found"}
        if method == "conversations.history":
            oldest = float(params.get("oldest") or 0)
            with self._lock:
                found = [
                    m for m in self.messages if m.channel == params.get("channel") and float(m.ts) > oldest
                ]
            include = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
            return {
                "ok": True,
                "messages": [
                    {
                        "ts": m.ts,
                        "text": m.text,
                        **({"metadata": m.metadata} if include and m.metadata else {}),
                    }
                    for m in reversed(found)
                ],
                "has_more": False,
            }
        if method in ("views.publish", "views.open", "views.update", "views.push"):
            view = params.get("view") or {}
            try:
                limits.check_view(view)
            except limits.LimitExceeded:
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True, "view": {"id": "V0001", **view}}
        if method in ("chat.postEphemeral",):
            return {"ok": True, "message_ts": f"{time.time():.6f}"}
        return {"ok": False, "error": "unknown_method"}

    def _oauth_access(self, params: dict[str, Any], auth: str) -> dict[str, Any]:
        """``oauth.v2.access``: a code from ``oauth_codes`` for the configured client id and secret gets this
        server's token as the bot token of team T0002."""
        try:
            client = tuple(base64.b64decode(auth.removeprefix("Basic ").strip()).decode().split(":", 1))
        except ValueError:
            client = ()
        if self.oauth_client is None or client != self.oauth_client:
            return {"ok": False, "error": "invalid_client_id"}
        if params.get("code") not in self.oauth_codes:
            return {"ok": False, "error": "invalid_code"}
        self.oauth_codes.discard(params["code"])
        return {
            "ok": True,
            "app_id": "A0001",
            "access_token": self.token,
            "token_type": "bot",
            "scope": "chat:write,commands",
            "bot_user_id": "UBOT",
            "team": {"id": "T0002", "name": "Second workspace"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "UINSTALLER"},
        }

    def _post(self, params: dict[str, Any]) -> dict[str, Any]:
        payload = {"text": params.get("text"), "blocks": params.get("blocks") or []}
        try:
            limits.check_message(payload)
        except limits.LimitExceeded:
            self.rejected.append(("chat.postMessage", "invalid_blocks"))
            return {"ok": False, "error": "invalid_blocks"}
        channel = self._dm(str(params.get("channel", "")))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        with self._lock:
            ts = f"1700000000.{next(self._ts):06d}"
            metadata = params.get("metadata")
            self.messages.append(
                Message(
                    channel,
                    ts,
                    str(params.get("text") or ""),
                    payload["blocks"],
                    metadata,
                    params.get("channel"),
                )
            )
        return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, "text": params.get("text")}}

    @staticmethod
    def _reply(
        handler: BaseHTTPRequestHandler,
        body: dict[str, Any],
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)
