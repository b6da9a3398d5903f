"""The rate budget every Salesbot process sharing the database keeps together.

Before each request a process takes a slot: in one short transaction, serialised across processes (a
PostgreSQL advisory lock; SQLite's write lock), it counts the requests logged in the last 10 seconds (and the
searches of the last second) in ``hubspot_requests``; under budget it logs its own and goes, otherwise it
sleeps until the oldest one leaves the window. The time is read once the lock is held (a process that waited
for it logs when it goes, not when it asked), and a request counts from its answer, not from when it was
sent: HubSpot counts it when it arrives, somewhere in between, so a slot logged at the answer never leaves
our window before it leaves HubSpot's (each answer's time is written with the next slot taken, before the
count). The day's count and the daily cap that HubSpot's
``X-HubSpot-RateLimit-Daily*`` headers give are kept in ``hubspot_daily_usage``; once the cap is spent no
request is sent until the next UTC day. Time and sleeping are parameters, so tests pin them.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from crm.localtime import wall_clock
from hubspot_connector.errors import HubSpotDailyLimit

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Table

# SQLAlchemy and the models are imported when the database is first used (``_tables``), not with this module:
# the budget is imported by every command that may talk to HubSpot, most of which never take a slot.

WINDOW = timedelta(seconds=10)
SEARCH_WINDOW = timedelta(seconds=1)
# A slot frees a little after the window: requests reach HubSpot a little after they are logged.
MARGIN = timedelta(milliseconds=50)
RESERVED_FOR = timedelta(seconds=2)  # how long a slot reserved ahead may be used
_LOCK_KEY = 0x48554253  # "HUBS": the advisory lock serialising slot-taking on PostgreSQL


@cache
def _tables() -> tuple[Table, Table]:
    """``hubspot_requests`` and ``hubspot_daily_usage``."""
    from crm.models import HubSpotDailyUsage, HubSpotRequest

    return cast("Table", HubSpotRequest.__table__), cast("Table", HubSpotDailyUsage.__table__)


def kept_free(limit: int) -> int:
    """Slots of the window a reservation ahead leaves for other processes' requests (Slack write-backs)."""
    return max(1, limit // 50)


def _schedule(logged: list[datetime], n: int, room: int, now: datetime, window: timedelta) -> list[datetime]:
    """When each of ``n`` more requests may go, at most ``RESERVED_FOR`` ahead, with at most ``room`` logged
    in any window: ``logged`` holds the window's requests' times (ascending), each new one logged at the end
    of the time it may be used in."""
    starts: list[datetime] = []
    start = now
    for _ in range(n):
        if len(logged) >= room:
            start = max(start, logged[-room] + window + MARGIN)  # the room-th most recent left the window
        if start > now + RESERVED_FOR:
            break
        starts.append(start)
        bisect.insort(logged, start + RESERVED_FOR)
    return starts


def real_sleep(seconds: float) -> None:
    threading.Event().wait(seconds)


@dataclass
class Usage:
    last_10s: int
    today: int
    daily_max: int | None
    daily_remaining: int | None


class RateBudget:
    def __init__(
        self,
        engine: Engine | Callable[[], Engine],
        per_10s: int,
        search_per_s: int,
        *,
        clock: Callable[[], datetime] = wall_clock,
        sleep: Callable[[float], None] = real_sleep,
    ) -> None:
        self._engine = engine  # or how to make it, when first needed
        self.per_10s = per_10s
        self.search_per_s = search_per_s
        self.clock = clock
        self.sleep = sleep
        self._daily: tuple[int | None, int | None] | None = None  # (max, remaining) from the last answer
        self._answered: list[tuple[int, datetime]] = []  # (slot's row id, answer time), written next time
        self._answered_lock = threading.Lock()  # the sync reads in a thread besides the main one
        # Slots reserved ahead (``reserve``), the next to use last: (id, usable from, usable until).
        self._stock: list[tuple[int, datetime, datetime]] = []
        # More slots reserved ahead, when the stock is spent, without waiting (a reading process's, handed
        # over by the syncing one: ``reading``); the database is asked only when it brings none.
        self.refill: Callable[[], list[tuple[int, datetime, datetime]]] | None = None
        self.waited_s = 0.0

    @property
    def engine(self) -> Engine:
        if callable(self._engine):
            self._engine = self._engine()
        return self._engine

    def _write_engine(self) -> Engine:
        if self.engine.dialect.name == "sqlite":
            return self.engine.execution_options(sqlite_begin="IMMEDIATE")
        return self.engine

    def acquire(self, *, search: bool = False) -> int:
        """Wait for a slot and take it: its id, for ``note_answer``; ``HubSpotDailyLimit`` when the day's
        cap is spent. A slot reserved ahead (``reserve``) is taken first, without the database, waiting for
        its time if it has not come yet; with none left, those ``refill`` brings, if any."""
        if not search and not self._stock and self.refill is not None:
            self.add_stock(self.refill())
        if not search and self._stock:
            with self._answered_lock:
                now = self.clock()
                taken = None
                while self._stock and taken is None:
                    slot, start, until = self._stock.pop()
                    if until > now:
                        taken = slot, start
            if taken is not None:
                if taken[1] > now:
                    wait = (taken[1] - now).total_seconds()
                    self.waited_s += wait
                    self.sleep(wait)
                return taken[0]
        while True:
            with self._write_engine().begin() as connection:
                wait, slots = self._try(connection, search)
            if slots:
                return slots[0][0]
            self.waited_s += wait
            self.sleep(wait)

    def reserve(self, n: int) -> int:
        """Reserve slots (not searches) for ``n`` requests about to be sent (``take_ahead``): the next
        ``acquire`` calls use them without the database's lock, so a thread reading HubSpot need not wait
        for another's long write transaction (SQLite has one lock for everything). Returns how many."""
        slots = self.take_ahead(n)
        self.add_stock(slots)
        return len(slots)

    def take_ahead(self, n: int) -> list[tuple[int, datetime, datetime]]:
        """Up to ``n`` slots for requests about to be sent, each with the time from which it may be used
        (now, or when the window will have room for it) and until which (``RESERVED_FOR`` later): the window's
        room, less what is kept for other processes (``kept_free``), scheduled up to ``RESERVED_FOR`` ahead.
        Each is logged at the end of its time (no request of its can reach HubSpot later) until its answer's
        time is written; an unused one expires. For this process's ``acquire`` (``reserve``) or another's
        (``add_stock``)."""
        if n <= 0:
            return []
        try:
            with self._write_engine().begin() as connection:
                _, slots = self._try(connection, False, n=n, reserve=True)
        except HubSpotDailyLimit:
            return []  # ``acquire`` says so, when a request is about to go
        return [(slot, start, start + RESERVED_FOR) for slot, start in slots]

    def add_stock(self, slots: list[tuple[int, datetime, datetime]]) -> None:
        """Slots reserved ahead (``take_ahead``), for the next ``acquire`` calls, in their order."""
        with self._answered_lock:
            self._stock[:0] = reversed(slots)

    def hand_over(self) -> tuple[list[tuple[int, datetime]], tuple[int | None, int | None] | None]:
        """What this process learnt from answers and has not written yet (answer times of slots, the daily
        cap), for another process sharing its slots to write (``take_over``)."""
        with self._answered_lock:
            answered, self._answered = self._answered, []
        daily, self._daily = self._daily, None
        return answered, daily

    def take_over(
        self, answered: list[tuple[int, datetime]], daily: tuple[int | None, int | None] | None
    ) -> None:
        """Write with the next slot taken what another process handed over (``hand_over``)."""
        with self._answered_lock:
            self._answered += answered
        if daily is not None:
            self._daily = daily

    def _try(
        self, connection: Connection, search: bool, *, n: int = 1, reserve: bool = False
    ) -> tuple[float, list[tuple[int, datetime]]]:
        """(seconds to wait, []) or (0, the slots taken with the time each may be used from)."""
        from sqlalchemy import delete, func, insert, select, text, update

        log, daily = _tables()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        now = self.clock()  # with the lock held: waiting for it is not time in HubSpot's window
        self._save_answered(connection)
        day = now.date()
        self._save_daily(connection, now)
        remaining = connection.execute(
            select(daily.c.daily_remaining).where(daily.c.day == day)
        ).scalar_one_or_none()
        if remaining is not None and remaining <= 0:
            raise HubSpotDailyLimit(
                f"HubSpot's daily request limit for this portal is spent ({day.isoformat()}, UTC); "
                "syncing resumes tomorrow"
            )
        waits: list[float] = []
        for window, limit, only_search in (
            (WINDOW, self.per_10s, False),
            (SEARCH_WINDOW, self.search_per_s, True),
        ):
            if only_search and not search:
                continue
            stmt = select(log.c.at).where(log.c.at > now - window - MARGIN)
            if only_search:
                stmt = stmt.where(log.c.search.is_(True))
            if reserve:
                room = limit - kept_free(limit)
                # Far from the limit (a sync's chunks when it is high): all may go now, and the window's
                # times (hundreds of rows read, each a datetime) are not needed to say so.
                logged = connection.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
                if logged + n <= room:
                    starts = [now] * n
                    break
            times = list(connection.execute(stmt.order_by(log.c.at.desc()).limit(limit)).scalars())
            if reserve:
                starts = _schedule(sorted(times), n, room, now, window)
                if not starts:
                    return 0.0, []
                break
            if len(times) >= limit:
                # The limit-th most recent must leave the window before another may go.
                waits.append(max((times[limit - 1] + window + MARGIN - now).total_seconds(), 0.001))
        else:
            starts = [now]
        if waits:
            return max(waits), []
        n = len(starts)
        if not reserve:
            inserted = connection.execute(insert(log).values(at=now, search=search))
            slots = [inserted.inserted_primary_key[0]]  # type: ignore[index]
        else:
            slots = list(
                connection.execute(
                    insert(log).returning(log.c.id, sort_by_parameter_order=True),
                    [{"at": start + RESERVED_FOR, "search": False} for start in starts],
                ).scalars()
            )
        updated = connection.execute(update(daily).where(daily.c.day == day).values(count=daily.c.count + n))
        if not updated.rowcount:
            connection.execute(insert(daily).values(day=day, count=n))
        if now.microsecond < 20_000:  # now and then, forget what left every window long ago
            connection.execute(delete(log).where(log.c.at < now - timedelta(minutes=1)))
        return 0.0, [(int(slot), start) for slot, start in zip(slots, starts, strict=True)]

    def note_answer(self, headers: Mapping[str, Any], slot: int | None = None) -> None:
        """Remember when the request of ``slot`` was answered and the daily cap the answer's headers give;
        both written with the next slot taken."""
        if slot is not None:
            answered = self.clock()
            with self._answered_lock:
                self._answered.append((slot, answered))
        lowered = {k.lower(): v for k, v in headers.items()}
        daily = lowered.get("x-hubspot-ratelimit-daily")
        remaining = lowered.get("x-hubspot-ratelimit-daily-remaining")
        if daily is None and remaining is None:
            return
        self._daily = (_int(daily), _int(remaining))

    def _save_answered(self, connection: Connection) -> None:
        from sqlalchemy import bindparam, update

        log, _ = _tables()
        with self._answered_lock:
            answered, self._answered = self._answered, []
        if answered:
            # A slot reserved ahead was logged at the end of its use: its answer's time is earlier, and still
            # no earlier than the request reached HubSpot.
            connection.execute(
                update(log).where(log.c.id == bindparam("slot")).values(at=bindparam("answered")),
                [{"slot": slot, "answered": at} for slot, at in answered],
            )

    def _save_daily(self, connection: Connection, now: datetime) -> None:
        from sqlalchemy import insert, update

        _, daily = _tables()
        if self._daily is None:
            return
        daily_max, remaining = self._daily
        self._daily = None
        values = {"daily_max": daily_max, "daily_remaining": remaining, "remaining_at": now}
        updated = connection.execute(update(daily).where(daily.c.day == now.date()).values(**values))
        if not updated.rowcount:
            connection.execute(insert(daily).values(day=now.date(), count=0, **values))

    def usage(self, now: datetime) -> Usage:
        from sqlalchemy import func, select

        log, daily = _tables()
        with self.engine.connect() as connection:
            recent = connection.execute(
                select(func.count()).select_from(log).where(log.c.at > now - WINDOW)
            ).scalar_one()
            row = connection.execute(select(daily).where(daily.c.day == now.date())).first()
        if row is None:
            return Usage(recent, 0, None, None)
        return Usage(recent, int(row._mapping["count"]), row.daily_max, row.daily_remaining)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
