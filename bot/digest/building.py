"""Building a digest for delivery (load from the CRM, render Block Kit), in the sender or in worker processes.

Building is most of a digest's CPU and only reads the CRM, while claiming, pacing and recording are cheap and
must stay in one place to pace the workspace as one. :class:`Builders` therefore builds in a pool of worker
processes (``DeliveryConfig.processes``), each with an engine of its own, and the sending threads wait for
the payload without holding the GIL. With no processes it builds in the calling thread, as before.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy import Engine

from bot.digest.content import load_digest
from bot.digest.render import message_payload
from crm.db import make_engine, session_scope
from crm.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Built:
    payload: dict[str, Any] | None  # the chat.postMessage arguments; None: an empty day, not to be sent
    items: dict[str, list[str]]


def build(engine: Engine, user_id: str, now: datetime, channel: str, home_url: str | None) -> Built:
    # Only reads: outside a write transaction, so on SQLite it does not hold the database's one write lock
    # while senders wait to claim or record.
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(f"user {user_id} is gone")
        digest = load_digest(session, user, now, channel=channel)
        send_when_empty = user.digest_send_when_empty
    items = digest.items()
    if digest.is_empty and not send_when_empty:
        return Built(None, items)
    return Built(message_payload(digest, home_url=home_url), items)


_worker_engine: Engine | None = None


def _start_worker(url: str) -> None:
    global _worker_engine
    _worker_engine = make_engine(url)
    # A worker holds both ends of its task queue, so a sender killed outright (SIGKILL, out of memory) would
    # leave it waiting forever: it leaves when the sender does.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), name="digest-parent-watch", daemon=True).start()


def _exit_with(parent: BaseProcess) -> None:
    parent.join()
    os._exit(0)


def _build_in_worker(user_id: str, now: datetime, channel: str, home_url: str | None) -> Built:
    assert _worker_engine is not None
    return build(_worker_engine, user_id, now, channel, home_url)


class Builders:
    """Builds digests in ``processes`` worker processes, or in the calling thread when that is 0."""

    def __init__(self, engine: Engine, processes: int) -> None:
        self.engine = engine
        self._pool: ProcessPoolExecutor | None = None
        if processes > 0:
            # "spawn": the sender may have threads (the scheduler's, a test's fake Slack), which fork would
            # copy mid-flight; a spawned worker starts clean and opens its own database connections.
            self._pool = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(engine.url.render_as_string(hide_password=False),),
            )

    def build(self, user_id: str, now: datetime, channel: str, home_url: str | None) -> Built:
        pool = self._pool
        if pool is not None:
            try:
                return pool.submit(_build_in_worker, user_id, now, channel, home_url).result()
            except BrokenProcessPool:  # a worker died (killed, out of memory): build here instead
                log.warning("digest build processes stopped; building in the sender")
                self._pool = None
        return build(self.engine, user_id, now, channel, home_url)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> Builders:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
