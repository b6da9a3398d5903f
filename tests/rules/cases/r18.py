"""R18 Initial outreach needed."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co2")
    w.company("co2")
    w.deal("d1", created=ago(days=10), contacts=["c1"], company="co1")


CASES = [
    fires(
        "R18",
        "fires_for_a_first_stage_deal_without_engagement",
        base,
        {
            "key": "d1",
            "subject_type": "deal",
            "subject_id": "d1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "closing",
        },
    ),
    fires(
        "R18",
        "fires_when_only_a_task_is_on_the_deal",
        then(base, lambda w: w.task(due=ahead(days=1), deals=["d1"])),
        {"key": "d1"},
    ),
    fires(
        "R18",
        "fires_just_over_seven_days_after_creation",
        then(base, set_("deals", "d1", created_at=ago(days=7, seconds=1))),
        {"key": "d1"},
    ),
    silent("R18", "silent_in_a_later_stage", then(base, set_("deals", "d1", stage_id="s2"))),
    silent("R18", "silent_for_a_won_deal", then(base, set_("deals", "d1", stage_id="s5"))),
    silent(
        "R18", "silent_seven_days_after_creation", then(base, set_("deals", "d1", created_at=ago(days=7)))
    ),
    silent(
        "R18",
        "silent_with_an_email_on_the_deal",
        then(base, lambda w: w.sent("c1@globex.test", deals=["d1"])),
    ),
    silent("R18", "silent_with_a_note_on_the_deal", then(base, lambda w: w.note(deals=["d1"]))),
    silent(
        "R18",
        "silent_with_a_meeting_planned_on_the_deal",
        then(base, lambda w: w.meeting(start=ahead(days=2), deals=["d1"])),
    ),
    silent("R18", "silent_for_a_deal_without_owner", then(base, set_("deals", "d1", owner_id=None))),
    expires(
        "R18", "expires_when_reassigned", base, change=set_("deals", "d1", owner_id="u2"), reason="reassigned"
    ),
    expires(
        "R18",
        "expires_when_the_deal_is_won",
        base,
        change=set_("deals", "d1", stage_id="s5"),
        reason="closed",
    ),
    expires(
        "R18",
        "expires_when_a_call_is_logged",
        base,
        change=lambda w: w.call(started=ahead(minutes=5), deals=["d1"]),
        later=timedelta(hours=1),
        reason="engagement_associated",
    ),
    expires(
        "R18",
        "expires_when_it_moves_to_the_next_stage",
        base,
        change=set_("deals", "d1", stage_id="s2"),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R18",
        "expires_when_more_than_seven_days_old",
        base,
        later=timedelta(days=7, seconds=1),
        reason="aged_out",
    ),
    stays("R18", "stays_at_exactly_seven_days", base, later=timedelta(days=7)),
    expires(
        "R18",
        "expires_closed_before_engagement",
        base,
        change=then(set_("deals", "d1", stage_id="s6"), lambda w: w.note(deals=["d1"])),
        reason="closed",
    ),
    expires(
        "R18",
        "expires_engagement_before_leaving_the_first_stage",
        base,
        change=then(set_("deals", "d1", stage_id="s2"), lambda w: w.note(deals=["d1"])),
        reason="engagement_associated",
    ),
]
