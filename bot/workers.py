"""The bounded thread pools work after the ack runs on (``bot.runtime.Services`` holds them).

Apart from ``bot.runtime`` so that what ``Services`` holds (the HubSpot write-back's pool among them) can
use one without importing the runtime back.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


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


def batch(items: queue.SimpleQueue[T | None], linger_s: float) -> list[T | None]:
    """Wait for an item, give others ``linger_s`` to join it, then take every item ready: a thread that
    forwards items (to a pipe, to a log) wakes once per batch instead of once per item, and takes the
    interpreter lock from the threads answering Slack that much less often. ``None`` (stop) ends a batch
    and is its last item."""
    taken = [items.get()]
    if taken[0] is None:
        return taken
    if linger_s > 0:
        time.sleep(linger_s)
    while True:
        try:
            item = items.get_nowait()
        except queue.Empty:
            return taken
        taken.append(item)
        if item is None:
            return taken
