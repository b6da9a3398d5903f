"""The per-user day summary counts tasks by the user's local day, only the user's own, through permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from crm.models import Activity, Deal, Pipeline, Stage, User
from crm.queries.workspace import workspace_summary

# 2026-11-23 12:00 UTC is 01:00 on 2026-11-24 in Auckland (UTC+13) and 02:00 on 2026-11-23 in Honolulu.
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _task(id_: str, owner: str, due: datetime, **extra: object) -> Activity:
    fields: dict[str, object] = {"status": "not_started", **extra}
    return Activity(id=id_, type="task", owner_id=owner, due_at=due, **fields)


def _world(session: Session, timezone: str) -> User:
    user = User(id="u1", email="ana@acme.test", name="Ana Ruiz", timezone=timezone)
    other = User(id="u2", email="bo@acme.test", name="Bo Lind")
    session.add_all([user, other])
    session.flush()
    return user


def test_tasks_are_counted_by_the_users_local_day_far_east_of_utc(session: Session) -> None:
    user = _world(session, "Pacific/Auckland")  # local today is 2026-11-24
    session.add_all(
        [
            _task("t1", "u1", datetime(2026, 11, 23, 10, 59, tzinfo=UTC)),  # 23:59 on the 23rd: overdue
            _task("t2", "u1", datetime(2026, 11, 23, 11, 0, tzinfo=UTC)),  # 00:00 on the 24th: today
            _task("t3", "u1", datetime(2026, 11, 24, 10, 59, tzinfo=UTC), priority="high"),  # 23:59: today
            _task("t4", "u1", datetime(2026, 11, 24, 11, 0, tzinfo=UTC)),  # tomorrow
            _task("t5", "u1", datetime(2026, 11, 25, 11, 0, tzinfo=UTC)),  # the day after: not counted
            _task("t6", "u1", datetime(2026, 11, 23, 11, 0, tzinfo=UTC), status="completed"),
            _task("t7", "u2", datetime(2026, 11, 23, 11, 0, tzinfo=UTC)),  # someone else's
            _task("t8", "u1", datetime(2026, 11, 23, 12, 0, tzinfo=UTC), status="deferred"),  # open: today
        ]
    )
    session.commit()
    summary = workspace_summary(session, user, NOW)
    assert (summary.overdue, summary.due_today, summary.due_tomorrow) == (1, 3, 1)
    assert summary.high_priority_today == 1


def test_tasks_are_counted_by_the_users_local_day_west_of_utc(session: Session) -> None:
    user = _world(session, "Pacific/Honolulu")  # local today is 2026-11-23, starting 10:00 UTC
    session.add_all(
        [
            _task("t1", "u1", datetime(2026, 11, 23, 9, 59, tzinfo=UTC)),
            _task("t2", "u1", datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
            _task("t3", "u1", datetime(2026, 11, 24, 10, 0, tzinfo=UTC)),
        ]
    )
    session.commit()
    summary = workspace_summary(session, user, NOW)
    assert (summary.overdue, summary.due_today, summary.due_tomorrow) == (1, 1, 1)


def test_a_dst_day_is_25_hours_long(session: Session) -> None:
    # New York leaves daylight saving on 2026-11-01: that local day runs 04:00 UTC to 05:00 UTC next day.
    user = _world(session, "America/New_York")
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    session.add_all(
        [
            _task("t1", "u1", datetime(2026, 11, 2, 4, 30, tzinfo=UTC)),  # 23:30 local on Nov 1: today
            _task("t2", "u1", datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),  # midnight Nov 2: tomorrow
        ]
    )
    session.commit()
    summary = workspace_summary(session, user, now)
    assert (summary.due_today, summary.due_tomorrow) == (1, 1)


def test_meetings_today_and_open_deals_are_the_users_own(session: Session) -> None:
    user = _world(session, "UTC")
    session.add(
        Pipeline(
            id="p1",
            object="deal",
            name="Sales",
            stages=[
                Stage(id="s1", label="Open", order=1, state="open"),
                Stage(id="s9", label="Won", order=9, state="won"),
            ],
        )
    )
    session.flush()
    start = NOW + timedelta(hours=2)
    session.add_all(
        [
            Activity(
                id="m1", type="meeting", owner_id="u1", start_at=start, end_at=start + timedelta(hours=1)
            ),
            Activity(
                id="m2", type="meeting", owner_id="u1", start_at=start, end_at=start, outcome="canceled"
            ),
            Activity(id="m3", type="meeting", owner_id="u2", start_at=start, end_at=start),
            Deal(id="d1", name="A", owner_id="u1", pipeline_id="p1", stage_id="s1"),
            Deal(id="d2", name="B", owner_id="u1", pipeline_id="p1", stage_id="s9"),
            Deal(id="d3", name="C", owner_id="u2", pipeline_id="p1", stage_id="s1"),
        ]
    )
    session.commit()
    summary = workspace_summary(session, user, NOW)
    assert (summary.meetings_today, summary.open_deals) == (1, 1)
