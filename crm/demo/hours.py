"""Meetings and calls of the demo inside the rep's office hours, in the rep's own zone.

The scenarios place their meetings and calls relative to ``now`` ("three hours from now"), which in some
zones falls at night. ``office_slot`` moves such an instant to the nearest quarter hour of 08:00-18:00 local
time that keeps what the scenario relies on: the same side of ``now``, and the same side of the 24-hour
marks the rules look at (an upcoming meeting within a day stays within a day, an older one stays older).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from crm.demo.world import DAY, HOUR, MINUTE

OPENS, CLOSES = 8 * HOUR, 18 * HOUR
STEP = 15 * MINUTE
REACH = 2 * DAY  # far enough to find office hours in any zone, any day


def _bucket(offset: int) -> tuple[int, int]:
    """The span of offsets from now (seconds) that an instant ``offset`` from now must stay in."""
    if offset >= DAY:
        return DAY + STEP, 10**9
    if offset > 0:
        return STEP, DAY - STEP
    if offset > -DAY:
        return -DAY + STEP, -STEP
    return -(10**9), -DAY - STEP


def in_office_hours(ts: int, zone: ZoneInfo, minutes: int = 0) -> bool:
    local = datetime.fromtimestamp(ts, zone)
    start = local.hour * HOUR + local.minute * MINUTE + local.second
    return start >= OPENS and start + minutes * MINUTE <= CLOSES


def office_slot(ts: int, zone: ZoneInfo, now: int, minutes: int = 60) -> int:
    """The quarter hour nearest ``ts`` in office hours (for an activity of ``minutes``), on ``ts``'s side
    of ``now`` and of the day marks around it; ``ts`` itself when no such slot is near."""
    low, high = _bucket(ts - now)
    base = ts - ts % STEP
    for k in range(REACH // STEP):
        for candidate in (base + k * STEP, base - k * STEP):
            offset = candidate - now
            # An upcoming one stays upcoming; a past one also ends before now.
            fits = low <= offset <= high and (offset > 0 or offset + minutes * MINUTE <= 0)
            if fits and in_office_hours(candidate, zone, minutes):
                return candidate
    return ts
