"""R13 Today's high-priority tasks (time-zone and daylight-saving edges: test_local_days.py)."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago, ahead

START_OF_TODAY = ago(hours=12)  # NOW is 12:00 UTC and ana lives in UTC
END_OF_TODAY = ahead(hours=12)


def base(w: World) -> None:
    w.task("t1", due=ahead(hours=3), priority="high")


CASES = [
    fires(
        "R13",
        "fires_for_a_high_priority_task_due_today",
        base,
        {
            "key": "u1|2026-11-23",
            "subject_type": "user",
            "subject_id": "u1",
            "contact_id": None,
            "company_id": None,
            "category": "prospecting",
        },
    ),
    fires(
        "R13",
        "fires_as_closing_when_one_task_is_on_an_open_deal",
        then(
            base,
            lambda w: w.deal("d1"),
            lambda w: w.task("t2", due=ahead(hours=1), priority="high", deals=["d1"]),
        ),
        {"key": "u1|2026-11-23", "category": "closing"},
    ),
    fires(
        "R13",
        "fires_as_prospecting_when_the_deal_is_closed",
        then(
            lambda w: w.deal("d1", stage="s6"),
            lambda w: w.task("t1", due=ahead(hours=1), priority="high", deals=["d1"]),
        ),
        {"key": "u1|2026-11-23", "category": "prospecting"},
    ),
    fires(
        "R13",
        "fires_once_for_several_tasks",
        then(base, lambda w: w.task("t2", due=ahead(hours=5), priority="high")),
        {"key": "u1|2026-11-23"},
    ),
    fires(
        "R13",
        "fires_for_each_user",
        then(base, lambda w: w.task("t2", owner="u2", due=ahead(hours=5), priority="high")),
        {"key": "u1|2026-11-23"},
        {"key": "u2|2026-11-23", "user_id": "u2", "subject_id": "u2"},
    ),
    fires(
        "R13",
        "fires_for_a_task_due_at_the_first_instant_of_today",
        then(base, set_("activities", "t1", due_at=START_OF_TODAY)),
        {"key": "u1|2026-11-23"},
    ),
    fires(
        "R13",
        "fires_for_a_deferred_task",
        then(base, set_("activities", "t1", status="deferred")),
        {"key": "u1|2026-11-23"},
    ),
    silent(
        "R13", "silent_for_a_medium_priority_task", then(base, set_("activities", "t1", priority="medium"))
    ),
    silent("R13", "silent_for_a_completed_task", then(base, set_("activities", "t1", status="completed"))),
    silent(
        "R13", "silent_for_a_task_due_tomorrow", then(base, set_("activities", "t1", due_at=END_OF_TODAY))
    ),
    silent(
        "R13",
        "silent_for_a_task_overdue_since_yesterday",
        then(base, set_("activities", "t1", due_at=START_OF_TODAY - timedelta(microseconds=1))),
    ),
    expires(
        "R13",
        "expires_when_the_task_is_completed",
        base,
        change=set_("activities", "t1", status="completed"),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R13",
        "expires_when_the_task_moves_to_tomorrow",
        base,
        change=set_("activities", "t1", due_at=ahead(days=1)),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R13",
        "expires_when_the_day_is_over",
        base,
        later=timedelta(hours=12),
        reason="criteria_no_longer_met",
    ),
    stays(
        "R13",
        "stays_while_another_high_priority_task_is_due_today",
        then(base, lambda w: w.task("t2", due=ahead(hours=5), priority="high")),
        change=set_("activities", "t1", status="completed"),
    ),
]
