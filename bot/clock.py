"""``salesbot clock``: the scheduler process (APScheduler 3).

Three jobs with fixed ids: ``digest-tick`` every minute sends the digests that are due, ``rules-run`` every
``SALESBOT_RULES_EVERY_MIN`` minutes evaluates the guided-action rules and reopens snoozed actions, and
``housekeeping`` every hour prunes what is past its retention (``crm.changes.housekeeping``).
Both are coalesced with ``max_instances=1``: a slow run is never doubled up, and runs missed while the
machine slept collapse into one. The triggers are plain intervals in UTC; whether a digest is due is decided
by each user's local date and time (``crm.queries.deliveries.due_users``), so daylight-saving changes and
weekdays need nothing from cron. Running two clocks by accident sends nothing twice: digests are claimed
per user and day, and rule runs take turns on a database lock. With HubSpot configured, ``hubspot-sync``
syncs every ``SALESBOT_SYNC_EVERY_MIN`` minutes, clocks taking turns on a lease (``bot/hubspot_jobs.py``).

This is the one place that reads the wall clock; everything below takes ``now``.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.digest.delivery import DeliveryConfig, SendReport, send_due
from bot.digest.workspaces import Workspaces
from bot.health import record_tick
from bot.hubspot_jobs import SYNC_JOB, add_hubspot_jobs
from crm.changes.housekeeping import housekeeping
from crm.config import Settings
from crm.db import session_scope
from crm.localtime import wall_clock
from rules.actions import unsnooze_due
from rules.engine import EvaluationReport, evaluate

log = logging.getLogger(__name__)

DIGEST_JOB = "digest-tick"
RULES_JOB = "rules-run"
HOUSEKEEPING_JOB = "housekeeping"
# Coalesce missed runs into one, never run a job twice at once, and skip a run more than a minute late.
JOB_OPTIONS: dict[str, Any] = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}


def digest_tick(
    engine: Engine,
    client: WebClient | Workspaces,
    settings: Settings,
    clock: Callable[[], datetime] = wall_clock,
) -> SendReport:
    now = clock()
    started = time.perf_counter()
    report = send_due(
        engine,
        client,
        now,
        clock=clock,
        config=DeliveryConfig.from_settings(settings),
        home_url=settings.home_url,
    )
    ms = round((time.perf_counter() - started) * 1000)
    # The summary ends with the tick's duration; ``ms`` also goes to --log-format json.
    log.info("%s at %s: %s", DIGEST_JOB, now.isoformat(), report.summary(), extra={"ms": ms})
    return report


def rules_tick(engine: Engine, clock: Callable[[], datetime] = wall_clock) -> tuple[EvaluationReport, int]:
    now = clock()
    started = time.perf_counter()
    with session_scope(engine) as session:
        report = evaluate(session, now)
        unsnoozed = unsnooze_due(session, now)
    ms = round((time.perf_counter() - started) * 1000)
    log.info(
        "%s at %s: %d created, %d expired, %d reopened in %d ms",
        RULES_JOB,
        now.isoformat(),
        report.created,
        report.expired,
        unsnoozed,
        ms,
        extra={"ms": ms},
    )
    return report, unsnoozed


def housekeeping_tick(engine: Engine, clock: Callable[[], datetime] = wall_clock) -> dict[str, int]:
    now = clock()
    with session_scope(engine, write=True) as session:
        removed = housekeeping(session, now)
    log.info("%s at %s: removed %s", HOUSEKEEPING_JOB, now.isoformat(), removed)
    return removed


def _logged(job: str, function: Callable[..., Any], engine: Engine) -> Callable[..., None]:
    def run(*args: Any) -> None:
        started = time.perf_counter()
        ok = False
        try:
            function(*args)
            ok = True
        except Exception:  # the scheduler keeps its next run; the error is in the log
            log.exception("%s failed", job)
        finally:
            ms = round((time.perf_counter() - started) * 1000)
            try:
                record_tick(engine, job, wall_clock(), ok=ok, ms=ms)
            except Exception:  # an unreachable database is logged; the next tick tries again
                log.exception("%s: could not record the tick", job)

    return run


def build_scheduler(engine: Engine, client: WebClient | Workspaces, settings: Settings) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=UTC, job_defaults=JOB_OPTIONS)
    scheduler.add_job(
        _logged(DIGEST_JOB, digest_tick, engine),
        IntervalTrigger(minutes=1, timezone=UTC),
        args=(engine, client, settings),
        id=DIGEST_JOB,
        name="send the digests that are due",
        replace_existing=True,
        **JOB_OPTIONS,
    )
    scheduler.add_job(
        _logged(RULES_JOB, rules_tick, engine),
        IntervalTrigger(minutes=settings.salesbot_rules_every_min, timezone=UTC),
        args=(engine,),
        id=RULES_JOB,
        name="evaluate the guided-action rules",
        replace_existing=True,
        **JOB_OPTIONS,
    )
    add_hubspot_jobs(scheduler, engine, settings, JOB_OPTIONS, _logged)
    if settings.hubspot_configured:  # HubSpot write-backs a crash or an outage left pending
        from bot.writeback.runner import WRITEBACK_JOB, writeback_tick

        scheduler.add_job(
            _logged(WRITEBACK_JOB, writeback_tick, engine),
            IntervalTrigger(minutes=1, timezone=UTC),
            args=(engine, client, settings, wall_clock),
            id=WRITEBACK_JOB,
            name="send HubSpot write-backs still pending",
            replace_existing=True,
            **JOB_OPTIONS,
        )
    scheduler.add_job(
        _logged(HOUSEKEEPING_JOB, housekeeping_tick, engine),
        IntervalTrigger(hours=1, timezone=UTC),
        args=(engine,),
        id=HOUSEKEEPING_JOB,
        name="prune old event ids, deliveries and stale insights",
        replace_existing=True,
        **JOB_OPTIONS,
    )
    return scheduler


def run_forever(engine: Engine, client: WebClient | Workspaces, settings: Settings) -> None:
    scheduler = build_scheduler(engine, client, settings)
    # A first pass right away, so a restarted clock does not wait a full interval.
    for job in scheduler.get_jobs():
        job.modify(next_run_time=wall_clock())

    def stop(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping the scheduler", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info(
        "clock started: %s every minute, %s every %d minutes%s",
        DIGEST_JOB,
        RULES_JOB,
        settings.salesbot_rules_every_min,
        f", {SYNC_JOB} every {settings.salesbot_sync_every_min} min" if scheduler.get_job(SYNC_JOB) else "",
    )
    with contextlib.suppress(KeyboardInterrupt):
        scheduler.start()
