"""R07 Follow up on your meeting."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import NOW, World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.meeting("m1", start=ago(hours=3), end=ago(hours=2), contacts=["c1"])


def with_open_follow_up(w: World) -> None:
    base(w)
    w.task("f1", created=ago(hours=1), contacts=["c1"])


CASES = [
    fires(
        "R07",
        "fires_after_a_meeting_started",
        base,
        {
            "key": "m1",
            "subject_type": "meeting",
            "subject_id": "m1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "prospecting",
        },
    ),
    fires(
        "R07",
        "fires_for_a_meeting_in_progress",
        then(base, set_("activities", "m1", start_at=ago(minutes=10), end_at=ahead(minutes=50))),
        {"key": "m1"},
    ),
    fires(
        "R07",
        "fires_at_the_instant_it_starts",
        then(base, set_("activities", "m1", start_at=NOW, end_at=ahead(hours=1))),
        {"key": "m1"},
    ),
    fires("R07", "fires_while_a_follow_up_task_is_open", with_open_follow_up, {"key": "m1"}),
    fires(
        "R07",
        "fires_as_closing_for_a_meeting_on_an_open_deal",
        then(lambda w: w.deal("d1"), lambda w: w.meeting("m1", start=ago(hours=3), deals=["d1"])),
        {"key": "m1", "category": "closing", "contact_id": None},
    ),
    fires(
        "R07",
        "fires_when_the_outcome_is_logged",
        then(base, set_("activities", "m1", outcome="completed")),
        {"key": "m1"},
    ),
    silent(
        "R07",
        "silent_before_it_starts",
        then(base, set_("activities", "m1", start_at=ahead(seconds=1), end_at=ahead(hours=1))),
    ),
    silent(
        "R07",
        "silent_seven_days_after_it_ended",
        then(base, set_("activities", "m1", start_at=ago(days=8), end_at=ago(days=7))),
    ),
    silent("R07", "silent_when_canceled", then(base, set_("activities", "m1", outcome="canceled"))),
    silent(
        "R07",
        "silent_when_its_follow_up_tasks_are_done",
        then(with_open_follow_up, set_("activities", "f1", status="completed")),
    ),
    expires(
        "R07",
        "expires_when_the_follow_up_task_is_completed",
        with_open_follow_up,
        change=set_("activities", "f1", status="completed"),
        reason="follow_up_done",
    ),
    stays(
        "R07",
        "stays_while_one_of_two_follow_up_tasks_is_open",
        then(with_open_follow_up, lambda w: w.task("f2", created=ago(minutes=30), contacts=["c1"])),
        change=set_("activities", "f1", status="completed"),
    ),
    stays(
        "R07",
        "stays_for_a_completed_task_created_before_the_meeting",
        base,
        change=lambda w: w.task(created=ago(hours=4), status="completed", contacts=["c1"]),
    ),
    expires(
        "R07",
        "expires_when_canceled",
        base,
        change=set_("activities", "m1", outcome="canceled"),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R07",
        "expires_seven_days_after_the_meeting_ended",
        base,
        later=timedelta(days=7, hours=-2),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R07",
        "expires_follow_up_done_before_criteria",
        with_open_follow_up,
        change=then(
            set_("activities", "f1", status="completed"), set_("activities", "m1", outcome="canceled")
        ),
        reason="follow_up_done",
    ),
]
