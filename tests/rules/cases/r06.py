"""R06 Log meeting outcome."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, then
from tests.rules.world import World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.meeting("m1", start=ago(hours=3), end=ago(hours=2), contacts=["c1"])


CASES = [
    fires(
        "R06",
        "fires_after_a_meeting_without_outcome",
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
        "R06",
        "fires_when_the_outcome_is_scheduled",
        then(base, set_("activities", "m1", outcome="scheduled")),
        {"key": "m1"},
    ),
    fires(
        "R06",
        "fires_when_the_outcome_is_empty",
        then(base, set_("activities", "m1", outcome="")),
        {"key": "m1"},
    ),
    fires(
        "R06",
        "fires_as_closing_for_a_meeting_on_an_open_deal",
        then(base, lambda w: w.deal("d1"), lambda w: w.meeting("m2", start=ago(hours=5), deals=["d1"])),
        {"key": "m1", "category": "prospecting"},
        {"key": "m2", "category": "closing", "contact_id": None, "company_id": None},
    ),
    fires(
        "R06",
        "fires_as_prospecting_for_a_meeting_on_a_closed_deal",
        then(
            base,
            lambda w: w.deal("d1", stage="s5"),
            lambda w: w.meeting("m2", start=ago(hours=5), deals=["d1"]),
        ),
        {"key": "m1"},
        {"key": "m2", "category": "prospecting"},
    ),
    fires(
        "R06",
        "fires_exactly_one_hour_after_it_ended",
        then(base, set_("activities", "m1", end_at=ago(hours=1))),
        {"key": "m1"},
    ),
    fires(
        "R06",
        "fires_just_under_seven_days_after_it_ended",
        then(base, set_("activities", "m1", start_at=ago(days=8), end_at=ago(days=7) + timedelta(seconds=1))),
        {"key": "m1"},
    ),
    silent(
        "R06",
        "silent_less_than_an_hour_after_it_ended",
        then(base, set_("activities", "m1", end_at=ago(minutes=59))),
    ),
    silent(
        "R06",
        "silent_seven_days_after_it_ended",
        then(base, set_("activities", "m1", start_at=ago(days=8), end_at=ago(days=7))),
    ),
    silent(
        "R06", "silent_when_the_outcome_is_logged", then(base, set_("activities", "m1", outcome="completed"))
    ),
    silent("R06", "silent_when_canceled", then(base, set_("activities", "m1", outcome="canceled"))),
    silent(
        "R06",
        "silent_for_an_upcoming_meeting",
        then(base, set_("activities", "m1", start_at=ahead(hours=1), end_at=ahead(hours=2))),
    ),
    expires(
        "R06",
        "expires_when_the_outcome_is_logged",
        base,
        change=set_("activities", "m1", outcome="no_show"),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R06",
        "expires_seven_days_after_the_meeting_ended",
        base,
        later=timedelta(days=7, hours=-2),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R06",
        "expires_when_reassigned",
        base,
        change=set_("activities", "m1", owner_id="u2"),
        reason="criteria_no_longer_met",
    ),
]
