"""Pacing ``chat.postMessage`` to Slack's limits, workspace-wide and per channel, learning from 429s."""

from __future__ import annotations

import threading
import time
from collections import deque

PACE_MARGIN = 0.95
PACE_PROBE_S = 10.0


class Pacer:
    """Paces ``chat.postMessage`` for the whole workspace and per channel.

    Slack allows about one message per second per channel and a workspace-wide rate it does not publish.
    The pacer starts unthrottled; a 429 pauses everyone for ``Retry-After`` and sets the pace to what the
    workspace accepted in the second before it. The pace then creeps up again while no 429 comes.
    """

    def __init__(self, channel_interval_s: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._paused_until = 0.0
        self._interval = 0.0  # seconds between two sends, workspace-wide; 0 = unthrottled
        self._next_slot = 0.0
        self._channel_interval = channel_interval_s
        self._last_by_channel: dict[str, float] = {}
        self._recent: deque[float] = deque()
        self._last_change = 0.0

    def wait(self, channel: str) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                ready = max(
                    self._paused_until,
                    self._next_slot,
                    self._last_by_channel.get(channel, -1e9) + self._channel_interval,
                )
                if ready <= now:
                    self._last_by_channel[channel] = now
                    self._next_slot = now + self._interval
                    self._recent.append(now)
                    while self._recent and self._recent[0] < now - 1.0:
                        self._recent.popleft()
                    if self._interval and now - self._last_change > PACE_PROBE_S:
                        self._interval *= 0.97  # probe a little faster while Slack keeps accepting
                        self._last_change = now
                    return
            time.sleep(min(ready - now, 1.0))

    def rate_limited(self, retry_after_s: float) -> None:
        with self._lock:
            now = time.monotonic()
            while self._recent and self._recent[0] < now - 1.0:
                self._recent.popleft()
            accepted = max(1, len(self._recent) - 1)
            # A little under what got through, so an even pace does not straddle Slack's window edges.
            self._interval = max(self._interval, 1.0 / (accepted * PACE_MARGIN))
            self._last_change = now
            self._paused_until = max(self._paused_until, now + retry_after_s)
