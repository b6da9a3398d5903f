"""R08 Log call outcome."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, then
from tests.rules.world import World, ago


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.call("k1", started=ago(hours=2), status="completed", via_builtin_calling=False, contacts=["c1"])


CASES = [
    fires(
        "R08",
        "fires_after_a_completed_call_without_outcome",
        base,
        {
            "key": "k1",
            "subject_type": "call",
            "subject_id": "k1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "prospecting",
        },
    ),
    fires(
        "R08",
        "fires_without_status_when_not_built_in",
        then(base, set_("activities", "k1", status=None)),
        {"key": "k1"},
    ),
    fires(
        "R08",
        "fires_for_a_completed_built_in_call",
        then(base, set_("activities", "k1", via_builtin_calling=True)),
        {"key": "k1"},
    ),
    fires(
        "R08", "fires_with_an_empty_outcome", then(base, set_("activities", "k1", outcome="")), {"key": "k1"}
    ),
    fires(
        "R08",
        "fires_exactly_one_hour_after_it_started",
        then(base, set_("activities", "k1", started_at=ago(hours=1))),
        {"key": "k1"},
    ),
    fires(
        "R08",
        "fires_as_closing_for_a_call_on_an_open_deal",
        then(lambda w: w.deal("d1"), lambda w: w.call("k1", status="completed", deals=["d1"])),
        {"key": "k1", "category": "closing"},
    ),
    silent(
        "R08",
        "silent_less_than_an_hour_after_it_started",
        then(base, set_("activities", "k1", started_at=ago(minutes=59))),
    ),
    silent(
        "R08",
        "silent_for_a_built_in_call_without_status",
        then(base, set_("activities", "k1", via_builtin_calling=True, status=None)),
    ),
    silent("R08", "silent_for_an_unanswered_call", then(base, set_("activities", "k1", status="no_answer"))),
    silent(
        "R08",
        "silent_when_the_outcome_is_logged",
        then(base, set_("activities", "k1", outcome="Left voicemail")),
    ),
    silent(
        "R08",
        "silent_seven_days_after_it_started",
        then(base, set_("activities", "k1", started_at=ago(days=7))),
    ),
    expires(
        "R08",
        "expires_when_the_outcome_is_logged",
        base,
        change=set_("activities", "k1", outcome="Interested"),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R08",
        "expires_seven_days_after_it_started",
        base,
        later=timedelta(days=7, hours=-2),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R08",
        "expires_when_reassigned",
        base,
        change=set_("activities", "k1", owner_id="u2"),
        reason="criteria_no_longer_met",
    ),
]
