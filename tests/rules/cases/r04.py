"""R04 Sequence activity (time-zone edges: test_local_days.py)."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago, ahead

END_OF_TODAY = ahead(hours=12)  # NOW is 12:00 UTC and ana lives in UTC


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.enrollment("e1", "c1")
    w.task("t1", due=ahead(hours=3), enrollment_id="e1", contacts=["c1"])


CASES = [
    fires(
        "R04",
        "fires_for_a_sequence_task_due_today",
        base,
        {
            "key": "t1",
            "subject_type": "task",
            "subject_id": "t1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "prospecting",
        },
    ),
    fires(
        "R04",
        "fires_for_an_overdue_sequence_task",
        then(base, set_("activities", "t1", due_at=ago(days=3))),
        {"key": "t1"},
    ),
    fires(
        "R04",
        "fires_for_a_deferred_task",
        then(base, set_("activities", "t1", status="deferred")),
        {"key": "t1"},
    ),
    fires(
        "R04",
        "fires_for_a_task_due_at_the_last_instant_of_today",
        then(base, set_("activities", "t1", due_at=END_OF_TODAY - timedelta(microseconds=1))),
        {"key": "t1"},
    ),
    fires(
        "R04",
        "fires_for_each_owner",
        then(base, lambda w: w.task("t2", owner="u2", due=ago(hours=1), enrollment_id="e1")),
        {"key": "t1"},
        {"key": "t2", "user_id": "u2", "contact_id": None, "company_id": None},
    ),
    silent(
        "R04",
        "silent_for_a_task_outside_any_sequence",
        then(base, set_("activities", "t1", enrollment_id=None)),
    ),
    silent("R04", "silent_for_a_completed_task", then(base, set_("activities", "t1", status="completed"))),
    silent(
        "R04", "silent_for_a_task_due_tomorrow", then(base, set_("activities", "t1", due_at=END_OF_TODAY))
    ),
    silent("R04", "silent_for_a_task_without_a_due_date", then(base, set_("activities", "t1", due_at=None))),
    expires(
        "R04",
        "expires_when_completed",
        base,
        change=set_("activities", "t1", status="completed"),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R04",
        "expires_when_postponed_past_today",
        base,
        change=set_("activities", "t1", due_at=ahead(days=3)),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R04",
        "expires_when_reassigned",
        base,
        change=set_("activities", "t1", owner_id="u2"),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R04",
        "expires_when_taken_out_of_the_sequence",
        base,
        change=set_("activities", "t1", enrollment_id=None),
        reason="criteria_no_longer_met",
    ),
    stays("R04", "stays_open_the_next_day_while_still_open", base, later=timedelta(days=1)),
]
