"""``GET /healthz``: is the database reachable, and when did each job of ``salesbot clock`` last finish.

The answer is 200 ``{"ok": true, "database": "ok", "clock": {...}}`` when the database answers, 503 with
``"database": "unreachable: ..."`` when it does not. ``clock`` has, per job (``digest-tick``,
``rules-run``), the time of its last tick, whether it succeeded, how long it took and how many seconds ago
it was, and ``"stale": true`` when the digest tick is more than three minutes old (the clock process is
down or stuck); a stale clock does not fail the web process's health, as they are separate processes.
``salesbot serve`` adds ``work``: its work process's ``pid``, ``ready`` (started and warmed up), ``starts``
and ``given_up`` (it kept dying, and the web process does the work itself); informative, never a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from crm.db import session_scope
from crm.isotime import format_time
from crm.models import ClockTick

STALE_AFTER_S = 180


def record_tick(engine: Engine, job: str, at: datetime, *, ok: bool, ms: int) -> None:
    with session_scope(engine, write=True) as session:
        tick = session.get(ClockTick, job)
        if tick is None:
            session.add(ClockTick(job=job, at=at, ok=ok, ms=ms))
        else:
            tick.at, tick.ok, tick.ms = at, ok, ms


def health(
    engine: Engine, now: datetime, work: Callable[[], dict[str, Any]] | None = None
) -> tuple[int, dict[str, Any]]:
    """``work``: the state of ``salesbot serve``'s work process (``bot.handoff.WorkProcess.state``), reported
    as ``"work"``; it never fails the health (the web process does the work itself when it must)."""
    try:
        with session_scope(engine) as session:
            session.execute(text("SELECT 1"))
            ticks = session.scalars(select(ClockTick).order_by(ClockTick.job)).all()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        return 503, {"ok": False, "database": f"unreachable: {reason}", "clock": None}
    clock: dict[str, Any] = {}
    for tick in ticks:
        age = max(0, round((now - tick.at).total_seconds()))
        clock[tick.job] = {"at": format_time(tick.at), "ok": tick.ok, "ms": tick.ms, "age_s": age}
    digest = clock.get("digest-tick")
    answer = {
        "ok": True,
        "database": "ok",
        "clock": {**clock, "stale": digest is None or digest["age_s"] > STALE_AFTER_S},
    }
    if work is not None:
        answer["work"] = work()
    return 200, answer
