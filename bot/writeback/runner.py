"""The web process's write-back: queue in each click's transaction, send right after its commit on a pool
of its own (a click's ack and its Slack answer never wait on HubSpot), tell the rep how it went.

``Writeback.begin(session, who)`` is called by the listeners' unit of work (``bot.listeners.work``) when
HubSpot is connected; ``after_commit(session)`` gives the effect that hands the session's queued entries to
the pool. ``send_pending`` is what ``salesbot clock`` and ``salesbot hubspot push`` run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.workers import Worker
from bot.writeback.messages import tell_rep
from crm.changes import writeback as queue
from crm.config import Settings
from crm.models import HubSpotOAuthToken
from hubspot_connector.connect import api_from_settings, stored_token
from hubspot_connector.writeback.sender import Result, Sender

log = logging.getLogger(__name__)

# Sender threads in the web process. Every one of them competes with the threads answering clicks for the
# same interpreter (and, on SQLite, the write lock), so no more than HubSpot's rate budget can use: a write is
# a read and a PATCH (~150 ms each), so two threads carry ~6 writes a second, more than the default budget
# (100 requests per 10 s = 5 writes a second); more threads would only wait on the budget.
WORKERS = 2
# How long "a portal installed the app" is believed (OAuth), so a click's transaction does not ask each time.
CONNECTED_FOR_S = 60.0


class Writeback:
    def __init__(
        self,
        engine: Engine,
        sender: Callable[[], Sender],
        *,
        clock: Callable[[], datetime],
        workers: int = WORKERS,
        home_url: str | None = None,
        oauth: bool = False,
    ) -> None:
        self.engine = engine
        self._make_sender = sender
        self._sender: Sender | None = None
        self._sender_lock = threading.Lock()
        self.clock = clock
        self.home_url = home_url
        self.oauth = oauth  # connected only once a portal installed the app (a token in the database)
        self._connected_until = 0.0  # monotonic time until which the portal is known to be installed
        self.pool = Worker("hubspot-writeback", workers)

    @classmethod
    def from_settings(
        cls, settings: Settings, engine: Engine, *, clock: Callable[[], datetime]
    ) -> Writeback | None:
        """None when HubSpot is not connected (then nothing is ever queued)."""
        if not settings.hubspot_configured:
            return None

        def make() -> Sender:
            token: Any = None
            if settings.hubspot_access_token is None:
                token = lambda: stored_token(engine) or ""  # noqa: E731
            return Sender(engine, api_from_settings(settings, engine, token=token), clock=clock)

        oauth = settings.hubspot_access_token is None
        return cls(engine, make, clock=clock, home_url=settings.home_url, oauth=oauth)

    @property
    def sender(self) -> Sender:
        with self._sender_lock:  # one sender (and one HubSpot client) for every thread of the pool
            if self._sender is None:
                self._sender = self._make_sender()
            return self._sender

    def begin(
        self,
        session: Session,
        *,
        user: str,
        team: str | None,
        channel: str | None,
        ts: str | None,
        home: str | None = None,
    ) -> None:
        """Queue the session's changes for HubSpot: with a private app token always; with OAuth once a
        portal installed the app (before that HubSpot is not connected, and nothing is queued). ``channel``
        and ``ts`` (a message clicked) or ``home`` (the Home tab's state) say which surface to redraw once
        HubSpot answered."""
        if self.oauth and not self._installed(session):
            return
        queue.begin(session, queue.Origin(user, team, channel, ts, home))

    def _installed(self, session: Session) -> bool:
        if time.monotonic() < self._connected_until:
            return True
        if session.scalar(select(HubSpotOAuthToken.portal_id).limit(1)) is None:
            return False
        self._connected_until = time.monotonic() + CONNECTED_FOR_S
        return True

    def after_commit(self, session: Session) -> list[Callable[[WebClient], Any]]:
        """The effect sending what ``session`` queued (none when it queued nothing)."""
        ids = queue.queued(session)
        if not ids:
            return []
        return [lambda client: self.pool.submit(self.send, client, ids)]

    def send(self, client: WebClient | None, ids: list[int]) -> list[Result]:
        results: list[Result] = []
        for entry_id in ids:
            try:
                results += self.sender.send(entry_id)
            except Exception:
                log.exception("write-back %s could not be sent", entry_id)
        self._tell(client, results)
        return results

    def send_pending(self, client: WebClient | None) -> list[Result]:
        results = self.sender.send_pending()
        self._tell(client, results)
        return results

    def _tell(self, client: WebClient | None, results: list[Result]) -> None:
        if client is None:
            return
        now = self.clock()
        for result in results:
            tell_rep(client, self.engine, result, now, home_url=self.home_url)

    def join(self) -> None:
        self.pool.join()

    def shutdown(self) -> None:
        """Stop after the sends under way; those not begun stay pending in the database (the clock sends
        them), so a stopping process is not held up by HubSpot's rate budget."""
        self.pool.shutdown(cancel_futures=True)


WRITEBACK_JOB = "hubspot-writeback"


def writeback_tick(
    engine: Engine, client: WebClient | None, settings: Settings, clock: Callable[[], datetime]
) -> list[Result]:
    """``salesbot clock``'s job: send whatever is still pending (a web process died before sending, or an
    entry is waiting out its back-off), and tell the reps."""
    writeback = Writeback.from_settings(settings, engine, clock=clock)
    if writeback is None:
        return []
    try:
        results = writeback.send_pending(client)
    finally:
        writeback.shutdown()
    if results:
        states = [r.state for r in results]
        log.info("%s: %s", WRITEBACK_JOB, {s: states.count(s) for s in sorted(set(states))})
    return results
