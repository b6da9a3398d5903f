"""``POST /hubspot/webhooks``: HubSpot's change notifications, checked, de-duplicated, and turned into
records for the sync to read at once (hubspot.md, "Webhooks").

- The v3 signature: ``X-HubSpot-Signature-v3`` = base64(HMAC-SHA256(client secret, method + the full URL
  HubSpot called + raw body + ``X-HubSpot-Request-Timestamp``)), compared in constant time; a timestamp more
  than 5 minutes from now is refused like a forged one (401).
- Each event once: its ``eventId`` is stored (``hubspot_webhook_events``); a retried or replayed delivery
  changes nothing. Events come in no particular order: each only names a record, which is then read as it
  is now, so order does not matter.
- Salesbot's own writes echoed back (a property set to the value a write-back sent minutes ago, the creation
  of a record a write-back created) are ignored: no read, no loop.
- The answer is immediate (one short transaction); reading the marked records happens after it, on
  ``read_marked`` (the sync's batch read of ``hubspot_pending_reads``), and in any case on the next sync.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from crm.config import Settings
from crm.db import insert_on_conflict, session_scope
from crm.models import HubSpotPendingRead, HubSpotWebhookEvent, WritebackEntry
from hubspot_connector.writeback import mapping

if TYPE_CHECKING:
    from hubspot_connector.api import HubSpotApi

log = logging.getLogger(__name__)

PATH = "/hubspot/webhooks"
SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
WINDOW = timedelta(minutes=5)
KEEP_EVENTS = timedelta(days=2)  # HubSpot retries a delivery for up to 24 hours
ECHO_WINDOW = timedelta(minutes=30)
MAX_BODY = 1_000_000
# subscriptionType prefixes and objectTypeIds -> HubSpot object types Salesbot reads.
PREFIXES = {"contact": "contacts", "company": "companies", "deal": "deals"}
TYPE_IDS = {v: k for k, v in mapping.OBJECT_TYPE_IDS.items()}


def signature(secret: str, method: str, url: str, body: bytes, timestamp: str) -> str:
    message = method.encode() + url.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def signed(secret: str, method: str, url: str, body: bytes, headers: dict[str, str], now: datetime) -> bool:
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    given = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not timestamp.isdigit() or not given:
        return False
    if abs(now.timestamp() * 1000 - int(timestamp)) > WINDOW.total_seconds() * 1000:
        return False
    return hmac.compare_digest(signature(secret, method, url, body, timestamp), given)


def object_of(event: dict[str, Any]) -> tuple[str, str] | None:
    """(HubSpot object type, id) an event names, or None for a type Salesbot does not read."""
    kind = str(event.get("subscriptionType") or "")
    prefix = kind.partition(".")[0]
    object_type = TYPE_IDS.get(str(event.get("objectTypeId") or "")) if prefix == "object" else None
    object_type = object_type or PREFIXES.get(prefix)
    object_id = event.get("objectId")
    if object_type is None or object_id in (None, ""):
        return None
    return object_type, str(object_id)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    marked: list[tuple[str, str]]


class WebhookReceiver:
    def __init__(
        self,
        engine: Engine,
        secret: str,
        *,
        clock: Callable[[], datetime],
        read_marked: Callable[[list[tuple[str, str]]], None] | None = None,
    ) -> None:
        self.engine = engine
        self.secret = secret
        self.clock = clock
        self.read_marked = read_marked

    def handle(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        now = self.clock()
        if not signed(self.secret, method, url, body, headers, now):
            log.warning("refused a HubSpot webhook with an invalid or stale signature")
            return Answer(401, {"error": "invalid signature"}, [])
        try:
            events = json.loads(body)
        except ValueError:
            return Answer(400, {"error": "the body is not JSON"}, [])
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            return Answer(400, {"error": "expected a JSON array of events"}, [])
        marked: list[tuple[str, str]] = []
        duplicates = echoes = 0
        with session_scope(self.engine, write=True) as session:
            for event in events:
                event_id = event.get("eventId")
                if not isinstance(event_id, int) or not _first_delivery(session, event_id, now):
                    duplicates += 1
                    continue
                named = object_of(event)
                if named is None:
                    continue
                if _echo(session, event, named, now):
                    echoes += 1
                    continue
                if named not in marked:
                    session.merge(
                        HubSpotPendingRead(object_type=named[0], hubspot_id=named[1], marked_at=now)
                    )
                    marked.append(named)
            session.execute(
                delete(HubSpotWebhookEvent).where(HubSpotWebhookEvent.received_at < now - KEEP_EVENTS)
            )
        if marked and self.read_marked is not None:
            try:
                self.read_marked(marked)
            except Exception:  # the records stay marked: the next sync reads them
                log.exception("could not start reading the records HubSpot named")
        return Answer(
            200,
            {"received": len(events), "marked": len(marked), "duplicates": duplicates, "echoes": echoes},
            marked,
        )


def _first_delivery(session: Session, event_id: int, now: datetime) -> bool:
    stmt = insert_on_conflict(session, HubSpotWebhookEvent, keys=["event_id"])
    inserted = session.execute(
        stmt.values(event_id=event_id, received_at=now).returning(HubSpotWebhookEvent.event_id)
    ).first()
    return inserted is not None


def _echo(session: Session, event: dict[str, Any], named: tuple[str, str], now: datetime) -> bool:
    """Whether the event is Salesbot's own recent write coming back."""
    kind = str(event.get("subscriptionType") or "")
    sent = session.scalars(
        select(WritebackEntry).where(
            WritebackEntry.object_type == named[0],
            WritebackEntry.hubspot_id == named[1],
            WritebackEntry.state == "sent",
            WritebackEntry.sent_at >= now - ECHO_WINDOW,
        )
    ).all()
    if kind.endswith(".creation"):
        return any(e.operation == "create" for e in sent)
    if kind.endswith(".propertyChange"):
        name = str(event.get("propertyName") or "")
        value = event.get("propertyValue")
        return any(
            name in (e.written or {})
            and mapping.same(name, None if value is None else str(value), (e.written or {})[name])
            for e in sent
        )
    return False


def wsgi_app(receiver: WebhookReceiver) -> Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]:
    """The route as a WSGI application (``bot.server.SlackWSGI``'s ``apps``): the raw body, the URL HubSpot
    called (behind a proxy, from ``X-Forwarded-Proto`` / ``X-Forwarded-Host``), the headers."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        status, body = _answer(receiver, environ)
        data = json.dumps(body).encode()
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 405: "Method Not Allowed"}
        start_response(
            f"{status} {reason.get(status, 'Payload Too Large')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]

    return app


def _answer(receiver: WebhookReceiver, environ: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if environ.get("REQUEST_METHOD") != "POST":
        return 405, {"error": "POST only"}
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 400, {"error": "bad Content-Length"}
    if length > MAX_BODY:
        return 413, {"error": "request body too large"}
    body = environ["wsgi.input"].read(length) if length else b""
    headers = {k[5:].replace("_", "-"): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    answer = receiver.handle("POST", request_url(environ), body, headers)
    return answer.status, answer.body


def request_url(environ: dict[str, Any]) -> str:
    scheme = str(environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme") or "https")
    host = str(
        environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    )
    path = str(environ.get("PATH_INFO", ""))
    query = str(environ.get("QUERY_STRING") or "")
    return f"{scheme.split(',')[0].strip()}://{host}{path}" + (f"?{query}" if query else "")


def read_pending(engine: Engine, api: Any, now: datetime, *, score_property: str | None = None) -> None:
    """Read the records webhooks marked, by batch read, into the store (the sync's own mapping), without
    the rest of a sync."""
    from hubspot_connector.people import owner_map, stage_map
    from hubspot_connector.sync import Sync

    run = Sync(engine, api, now, score_property=score_property)
    with engine.connect() as connection:
        run.ctx.owners = owner_map(connection)
        run.ctx.stages = stage_map(connection)
    run._pending_reads()  # the first step of every sync; hs: expose it as a public function


class Coalesced:
    """Runs ``read`` on one background thread; deliveries arriving meanwhile make one more run, not one
    each. The webhook's answer never waits for it."""

    def __init__(self, read: Callable[[], None]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._running = False
        self._again = False

    def __call__(self, _marked: list[tuple[str, str]]) -> None:
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        threading.Thread(target=self._loop, name="hubspot-webhook-read", daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                self._read()
            except Exception:  # the marks stay: the next sync reads them
                log.exception("reading the records HubSpot named failed")
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False


def routes_for(
    settings: Settings,
    engine: Engine,
    api: Callable[[], HubSpotApi] | None,
    *,
    clock: Callable[[], datetime],
) -> dict[str, Callable[[dict[str, Any], Callable[..., Any]], list[bytes]]]:
    """``salesbot serve``'s HubSpot route: ``/hubspot/webhooks`` when ``HUBSPOT_CLIENT_SECRET`` is set (it
    keys the signatures); the named records are read at once when HubSpot is connected (``api`` gives the
    connected client when asked, None when HubSpot is not connected)."""
    if settings.hubspot_client_secret is None:
        return {}
    reader = None
    if api is not None:
        connected = api

        def read() -> None:
            read_pending(engine, connected(), clock(), score_property=settings.hubspot_deal_score_property)

        reader = Coalesced(read)
    secret = settings.hubspot_client_secret.get_secret_value()
    receiver = WebhookReceiver(engine, secret, clock=clock, read_marked=reader)
    return {PATH: wsgi_app(receiver)}
