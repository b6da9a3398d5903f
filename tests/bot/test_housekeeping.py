"""Housekeeping: what is past its retention is pruned (by ``salesbot housekeeping`` and the clock's job),
everything else stays."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.clock import housekeeping_tick
from crm.models import DigestDelivery, InsightCacheEntry, SlackEvent
from tests.bot.test_digest_cli import run
from tests.rules.world import World

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def arrange(world: World) -> None:
    s = world.session
    s.add_all(
        [
            SlackEvent(
                event_id="Ev-old",
                event_type="app_home_opened",
                received_at=NOW - timedelta(days=2, seconds=1),
            ),
            SlackEvent(event_id="Ev-new", event_type="app_home_opened", received_at=NOW - timedelta(days=1)),
        ]
    )
    for days in (200, 92, 89, 0):
        s.add(
            DigestDelivery(user_id="u1", local_date=date(2026, 11, 23) - timedelta(days=days), state="sent")
        )
    s.add(DigestDelivery(user_id="u2", local_date=date(2026, 5, 1), state="skipped"))
    world.deal("d1", owner="u1")
    for key, stale, age in (("a", True, 1), ("b", False, 1), ("c", False, 100)):
        s.add(
            InsightCacheEntry(
                deal_id="d1",
                visible_key=key * 64,
                model="m",
                prompt_version="1",
                inputs_hash="h" * 64,
                output={},
                created_at=NOW - timedelta(days=age),
                stale=stale,
            )
        )
    world.commit()


def count(session: Session, model: type) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_housekeeping_prunes_what_is_past_its_retention(world: World, session: Session, db_url: str) -> None:
    arrange(world)
    code, out, _ = run(db_url, "housekeeping", "--now", NOW.isoformat(), "--json")
    assert code == 0
    assert json.loads(out) == {"slack_events": 1, "digest_deliveries": 3, "insight_cache": 2}
    assert count(session, SlackEvent) == 1
    assert {d.local_date for d in session.scalars(select(DigestDelivery))} == {
        date(2026, 11, 23) - timedelta(days=89),
        date(2026, 11, 23),
    }
    assert [e.visible_key[0] for e in session.scalars(select(InsightCacheEntry))] == ["b"]
    # Run again: nothing left to remove; the text form names each table.
    code, out, _ = run(db_url, "housekeeping", "--now", NOW.isoformat())
    assert out.splitlines() == [
        "slack_events: 0 removed",
        "digest_deliveries: 0 removed",
        "insight_cache: 0 removed",
    ]


def test_the_clock_job_prunes_too(world: World, session: Session, engine: Engine) -> None:
    arrange(world)
    removed = housekeeping_tick(engine, lambda: NOW)
    assert removed["slack_events"] == 1 and count(session, SlackEvent) == 1
