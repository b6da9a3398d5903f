"""What every listener shares: the database, settings, the clock, and the executors for work after the ack.

Slack wants an answer within 3 seconds, and Bolt's own listener pool is small. A listener acks, hands the
slow part (database, Slack calls) to ``Services.worker`` and returns at once, so a burst of clicks or a slow
database never delays the next ack. Model calls get ``Services.model_worker``, bounded on its own, so they
never starve button clicks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from bot.channels.members import ChannelCache
from crm.config import Settings
from crm.localtime import wall_clock

if TYPE_CHECKING:
    from hubspot_connector.writeback.runner import Writeback

log = logging.getLogger(__name__)


class Worker(Executor):
    """A bounded thread pool that remembers what it runs, so tests (and shutdown) can wait for it."""

    def __init__(self, name: str, max_workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = self._pool.submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def join(self, timeout: float = 30.0) -> None:
        """Wait until everything submitted so far (and what it submitted in turn) has finished."""
        deadline = threading.Event()
        timer = threading.Timer(timeout, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                with self._lock:
                    pending = list(self._pending)
                if not pending:
                    return
                for future in pending:
                    future.exception(timeout=timeout)
        finally:
            timer.cancel()
        raise TimeoutError("work after the ack did not finish")

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


@dataclass
class Services:
    engine: Engine
    settings: Settings
    clock: Callable[[], datetime] = wall_clock
    # Bolt's listener pool: listeners only ack and hand over, so it rarely has more than a few busy threads.
    listeners: Worker = field(default_factory=lambda: Worker("bolt-listener", 16))
    worker: Worker = field(default_factory=lambda: Worker("salesbot-work", 8))
    model_worker: Worker = field(default_factory=lambda: Worker("salesbot-model", 2))
    # HubSpot write-back when HubSpot is connected (hubspot_connector.writeback.runner); None: not queued.
    writeback: Writeback | None = None
    # Channel members for unfurls and shares, kept briefly (bot/channels/members.py).
    channels: ChannelCache = field(default_factory=ChannelCache)

    def join(self) -> None:
        """Wait for every listener and the work they handed over (tests; a graceful stop)."""
        self.listeners.join()
        self.worker.join()
        self.model_worker.join()
        self.worker.join()
        if self.writeback is not None:
            self.writeback.join()

    def shutdown(self) -> None:
        self.listeners.shutdown()
        self.worker.shutdown()
        self.model_worker.shutdown()
        if self.writeback is not None:
            self.writeback.shutdown()
