"""What every listener shares: the database, settings, the clock, and the executors for work after the ack.

Slack wants an answer within 3 seconds, and Bolt's own listener pool is small. A listener acks, hands the
slow part (database, Slack calls) to ``Services.worker`` and returns at once, so a burst of clicks or a slow
database never delays the next ack. Model calls get ``Services.model_worker``, bounded on its own, so they
never starve button clicks. Both are thread pools here; ``salesbot serve`` and ``salesbot socket`` replace
them with the pools of a work process of their own (``bot.handoff``), so the work never competes with the
acks for one interpreter lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine

from bot.channels.members import ChannelCache
from bot.workers import Worker
from crm.config import Settings
from crm.localtime import wall_clock

if TYPE_CHECKING:
    from bot.writeback.runner import Writeback

__all__ = ["Pool", "Services", "Worker"]

log = logging.getLogger(__name__)


class Pool(Protocol):
    """Where work after the ack runs: a ``Worker`` (threads here) or a ``bot.handoff.HandOff`` (a work
    process's pool)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]: ...

    def join(self, timeout: float = 30.0) -> None: ...

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None: ...


@dataclass
class Services:
    engine: Engine
    settings: Settings
    clock: Callable[[], datetime] = wall_clock
    # Bolt's listener pool: listeners only ack and hand over, so it rarely has more than a few busy threads.
    listeners: Worker = field(default_factory=lambda: Worker("bolt-listener", 16))
    worker: Pool = field(default_factory=lambda: Worker("salesbot-work", 8))
    model_worker: Pool = field(default_factory=lambda: Worker("salesbot-model", 2))
    # HubSpot write-back when HubSpot is connected (bot.writeback.runner); None: not queued.
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
