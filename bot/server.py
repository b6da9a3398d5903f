"""Serving the Bolt app over HTTP: a WSGI application in front of Bolt's adapter, run by waitress.

Routes: ``POST /slack/events`` (events, commands, interactivity), ``GET /slack/install`` and
``GET /slack/oauth_redirect`` (when OAuth is configured), ``GET /healthz``, and the WSGI applications given in
``apps`` by path (``/hubspot/install`` and ``/hubspot/oauth_redirect`` when HubSpot's OAuth is configured).
Before Bolt sees a request to ``/slack/events``, its signature is checked (401 when forged, stale or missing,
as Bolt would answer) and its body's shape (400 with the reason, instead of an exception deep in Bolt);
bodies over 1 MB get 413. The body is read once, by Bolt's rules: Bolt is given what was checked.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.context import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.request.internals import build_context
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot import payloads

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


Health = Callable[[], tuple[int, dict[str, Any]]]


class SlackWSGI:
    def __init__(
        self,
        app: App,
        signing_secret: str,
        health: Health | None = None,
        *,
        apps: Mapping[str, WSGIApp] | None = None,
    ) -> None:
        self.bolt = _ReadBodyHandler(app, path=EVENTS_PATH)
        self.verifier = SignatureVerifier(signing_secret)
        self.health = health  # bot.health: the database and the clock's last ticks
        self.apps = dict(apps or {})  # whole WSGI applications by path (HubSpot's OAuth pages)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _reply(start_response, *(self.health() if self.health else (200, {"ok": True})))
        if path in self.apps:
            return self.apps[path](environ, start_response)
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return _reply(start_response, 400, {"error": "bad Content-Length"})
            if length > MAX_BODY:
                return _reply(start_response, 413, {"error": "request body too large"})
            raw = environ["wsgi.input"].read(length) if length else b""
            body = raw.decode("utf-8", errors="replace")
            if not self._signed(body, environ):
                log.warning("refused a request with an invalid or stale signature")
                return _reply(start_response, 401, {"error": "invalid request"})
            data, reason = payloads.read(body, environ.get("CONTENT_TYPE", ""))
            if data is None:
                log.warning("refused a malformed payload: %s", reason)
                return _reply(start_response, 400, {"error": reason})
            environ[READ_BODY] = (body, data)
        return self.bolt(environ, start_response)

    def _signed(self, body: str, environ: dict[str, Any]) -> bool:
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) or not signature:
            return False
        return self.verifier.is_valid(body=body, timestamp=timestamp, signature=signature)


# Where the front leaves a request's body, read and checked, for Bolt: (the text, what it holds).
READ_BODY = "salesbot.read_body"


class ReadRequest(BoltRequest):
    """A Bolt request whose body the front has read and checked already (``payloads.read``, by Bolt's rules):
    Bolt is given what was checked, and does not parse the body a second time (a click's form decoding and
    JSON parsing cost the web process as much as its signature check and hand-over together)."""

    def __init__(self, *, raw_body: str, body: dict[str, Any], query: str, headers: dict[str, Any]) -> None:
        super().__init__(body="", query=query, headers=headers)
        self.raw_body = raw_body  # Bolt's own signature check reads it
        self.body = body
        self.context = build_context(BoltContext({}), body)


class _ReadBodyHandler(SlackRequestHandler):
    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        read = request.environ.pop(READ_BODY, None)
        if read is None:
            return super().dispatch(request)
        raw_body, body = read
        headers = request.get_headers()
        return self.app.dispatch(
            ReadRequest(raw_body=raw_body, body=body, query=request.query_string, headers=headers)
        )


def _reply(start_response: StartResponse, status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode()
    reason = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        413: "Payload Too Large",
        503: "Service Unavailable",
    }[status]
    start_response(
        f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


ACCEPT_AT_ONCE = 64  # connections taken from the listening socket per turn of the server's loop


def serve(wsgi: SlackWSGI, *, host: str, port: int, threads: int = 16) -> None:
    """Serve until interrupted (Ctrl-C) or told to stop (SIGTERM, as platforms stop a process), with waitress
    (a production WSGI server, pure Python). Returns then, so the caller stops its work cleanly."""
    stop_on_sigterm()
    server = create_server(wsgi, host=host, port=port, threads=threads)
    with contextlib.suppress(KeyboardInterrupt):
        server.run()


def create_server(wsgi: WSGIApp, *, host: str, port: int, threads: int) -> Any:
    """Waitress's server for ``wsgi``, taking every waiting connection per turn of its loop.

    Waitress accepts one connection per turn, and each turn waits for the interpreter lock: while the request
    threads answer a burst of clicks, fifty connections opened at once were taken one per lock hand-over, the
    last ones half a second late. Here a turn takes all of them (up to ``ACCEPT_AT_ONCE``)."""
    from waitress.server import MultiSocketServer, TcpWSGIServer

    class AcceptWaiting(TcpWSGIServer):
        def handle_accept(self) -> None:
            for _ in range(ACCEPT_AT_ONCE):
                channels = len(self._map)
                super().handle_accept()
                if len(self._map) == channels:  # nothing waiting (or a refused connection, logged)
                    return

    from waitress.adjustments import Adjustments
    from waitress.task import ThreadedTaskDispatcher

    adjustments = Adjustments(host=host, port=port, threads=threads, ident="salesbot")
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adjustments.threads)
    sockets: dict[int, Any] = {}
    servers = [
        AcceptWaiting(wsgi, sockets, dispatcher=dispatcher, adj=adjustments, sockinfo=info)
        for info in adjustments.listen  # one per address the host name resolves to
    ]
    if len(servers) == 1:
        return servers[0]
    listening = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(sockets, adjustments, listening, dispatcher, servers[0].log_info)


def stop_on_sigterm() -> None:
    """SIGTERM (how platforms stop a process) interrupts the main thread as Ctrl-C does, so a service's
    ``finally`` stops its work cleanly."""
    import signal

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
