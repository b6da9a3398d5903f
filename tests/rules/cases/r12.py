"""R12 Prepare for upcoming meetings."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.rules.cases import Arrange, expires, fires, set_, silent, stays, then
from tests.rules.world import NOW, World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.meeting("m1", start=ahead(hours=3), contacts=["c1"])


def starting(at: datetime) -> Arrange:
    return set_("activities", "m1", start_at=at, end_at=at + timedelta(hours=1))


CASES = [
    fires(
        "R12",
        "fires_for_a_meeting_later_today",
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
        "R12", "fires_for_a_meeting_in_exactly_24_hours", then(base, starting(ahead(hours=24))), {"key": "m1"}
    ),
    fires(
        "R12",
        "fires_as_closing_for_a_meeting_on_an_open_deal",
        then(lambda w: w.deal("d1"), lambda w: w.meeting("m1", start=ahead(hours=1), deals=["d1"])),
        {"key": "m1", "category": "closing"},
    ),
    fires(
        "R12",
        "fires_when_the_outcome_is_scheduled",
        then(base, set_("activities", "m1", outcome="scheduled")),
        {"key": "m1"},
    ),
    silent("R12", "silent_more_than_24_hours_ahead", then(base, starting(ahead(hours=24, seconds=1)))),
    silent("R12", "silent_for_a_meeting_starting_now", then(base, starting(NOW))),
    silent("R12", "silent_for_a_past_meeting", then(base, starting(ago(hours=2)))),
    silent("R12", "silent_for_a_canceled_meeting", then(base, set_("activities", "m1", outcome="canceled"))),
    expires(
        "R12",
        "expires_ten_minutes_after_it_starts",
        base,
        later=timedelta(hours=3, minutes=10),
        reason="started",
    ),
    stays(
        "R12",
        "stays_until_ten_minutes_after_it_starts",
        base,
        later=timedelta(hours=3, minutes=10, seconds=-1),
    ),
    expires(
        "R12",
        "expires_when_canceled",
        base,
        change=set_("activities", "m1", outcome="canceled"),
        reason="criteria_no_longer_met",
    ),
    stays("R12", "stays_when_moved_further_out", base, change=starting(ahead(days=3))),
    expires(
        "R12",
        "expires_started_before_canceled",
        base,
        change=set_("activities", "m1", outcome="canceled"),
        later=timedelta(hours=4),
        reason="started",
    ),
]
