"""The HubSpot jobs of ``salesbot clock`` (when HubSpot is configured): ``hubspot-sync`` every
``SALESBOT_SYNC_EVERY_MIN`` minutes runs an incremental sync (hubspot.md, "Reading").

Like the other jobs it is coalesced with ``max_instances=1`` inside one clock. Across clocks (two started by
accident, or an old one still finishing during a deploy) a lease in the database (``hubspot_leases``) makes
them take turns: a tick that finds the lease held by another live clock skips its turn. The lease lasts
``LEASE_FOR`` and is renewed by a heartbeat while the sync runs, so a clock that dies mid-sync frees it within
``LEASE_FOR`` (the sync itself is crash-safe: the next one resumes where it stopped).

The write-back queue's sender joins here when the write-back (issue 20) provides it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from crm.config import Settings
from crm.localtime import wall_clock
from hubspot_connector import lease

if TYPE_CHECKING:  # the connector (and HubSpot's client) loads only when a clock syncs
    from hubspot_connector.sync import SyncReport

log = logging.getLogger(__name__)

SYNC_JOB = "hubspot-sync"
SYNC_LEASE = "hubspot-sync"
LEASE_FOR = timedelta(minutes=10)
HEARTBEAT_S = LEASE_FOR.total_seconds() / 4


def hubspot_sync_tick(
    engine: Engine,
    settings: Settings,
    holder: str,
    clock: Callable[[], datetime] = wall_clock,
    heartbeat_s: float = HEARTBEAT_S,
) -> SyncReport | None:
    """One sync if this clock gets the lease; None when another clock holds it or the sync stopped (the
    reason is logged in one line: HubSpot not connected, unreachable...)."""
    from hubspot_connector.connect import api_from_settings
    from hubspot_connector.errors import HubSpotError
    from hubspot_connector.sync import sync

    now = clock()
    if not lease.acquire(engine, SYNC_LEASE, holder, now, LEASE_FOR):
        log.info("%s at %s: another clock is syncing, skipped", SYNC_JOB, now.isoformat())
        return None
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(heartbeat_s):
            if not lease.renew(engine, SYNC_LEASE, holder, clock(), LEASE_FOR):
                log.warning("%s: the sync lease was lost (this clock stalled past %s)", SYNC_JOB, LEASE_FOR)

    beat = threading.Thread(target=heartbeat, name="hubspot-sync-lease", daemon=True)
    beat.start()
    try:
        api = api_from_settings(settings, engine, clock=clock)
        report = sync(engine, api, now, score_property=settings.hubspot_deal_score_property, processes=True)
    except HubSpotError as exc:
        log.warning("%s at %s stopped: %s", SYNC_JOB, now.isoformat(), str(exc).splitlines()[0])
        return None
    finally:
        stop.set()
        beat.join()
        lease.release(engine, SYNC_LEASE, holder)
    counts = ", ".join(f"{t} {c.line()}" for t, c in report.types.items())
    log.info("%s at %s: %s", SYNC_JOB, now.isoformat(), counts or "nothing changed")
    return report


def add_hubspot_jobs(
    scheduler: BaseScheduler,
    engine: Engine,
    settings: Settings,
    options: dict[str, Any],
    wrap: Callable[[str, Callable[..., Any], Engine], Callable[..., None]],
) -> list[str]:
    """Add the HubSpot jobs when HubSpot is configured; returns their ids."""
    if not settings.hubspot_configured:
        return []
    scheduler.add_job(
        wrap(SYNC_JOB, hubspot_sync_tick, engine),
        IntervalTrigger(minutes=settings.salesbot_sync_every_min, timezone="UTC"),
        args=(engine, settings, lease.new_holder()),
        id=SYNC_JOB,
        name="sync HubSpot into the store",
        replace_existing=True,
        **options,
    )
    return [SYNC_JOB]
