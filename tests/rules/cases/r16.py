"""R16 Update next steps."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.deal("d1", contacts=["c1"], company="co1")
    w.note("n1", created=ago(days=2), deals=["d1"])


CASES = [
    fires(
        "R16",
        "fires_when_the_latest_activity_ended_two_days_ago",
        base,
        {
            "key": "d1|n1",
            "subject_type": "deal",
            "subject_id": "d1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "closing",
        },
    ),
    fires(
        "R16",
        "fires_for_a_call_that_ended_over_24_hours_ago",
        lambda w: (w.deal("d1"), w.call("k1", started=ago(hours=25), deals=["d1"])),
        {"key": "d1|k1", "contact_id": None},
    ),
    fires(
        "R16",
        "fires_when_next_steps_were_updated_before_it_ended",
        then(base, set_("deals", "d1", next_steps_updated_at=ago(days=5))),
        {"key": "d1|n1"},
    ),
    fires(
        "R16",
        "fires_for_the_latest_activity",
        then(base, lambda w: w.email("e0", sent=ago(days=5), deals=["d1"], to=["c1@globex.test"])),
        {"key": "d1|n1"},
    ),
    fires(
        "R16",
        "fires_ignoring_tasks_and_meetings_not_yet_over",
        then(
            base,
            lambda w: w.task(created=ago(hours=1), deals=["d1"]),
            lambda w: w.meeting(start=ago(hours=1), end=ahead(hours=1), deals=["d1"]),
            lambda w: w.meeting(start=ahead(days=1), deals=["d1"]),
        ),
        {"key": "d1|n1"},
    ),
    fires(
        "R16",
        "fires_just_under_30_days_after_it_ended",
        then(base, set_("activities", "n1", created_at=ago(days=30) + timedelta(seconds=1))),
        {"key": "d1|n1"},
    ),
    silent(
        "R16",
        "silent_when_the_latest_activity_ended_less_than_24_hours_ago",
        then(base, lambda w: w.note("n2", created=ago(hours=23), deals=["d1"])),
    ),
    silent(
        "R16",
        "silent_exactly_24_hours_after_it_ended",
        then(base, set_("activities", "n1", created_at=ago(hours=24))),
    ),
    silent(
        "R16", "silent_30_days_after_it_ended", then(base, set_("activities", "n1", created_at=ago(days=30)))
    ),
    silent(
        "R16",
        "silent_when_next_steps_were_updated_since",
        then(base, set_("deals", "d1", next_steps_updated_at=ago(days=1))),
    ),
    silent("R16", "silent_for_a_closed_deal", then(base, set_("deals", "d1", stage_id="s5"))),
    silent("R16", "silent_for_a_deal_without_owner", then(base, set_("deals", "d1", owner_id=None))),
    silent(
        "R16",
        "silent_without_an_activity_that_has_ended",
        lambda w: (w.deal("d1"), w.meeting(start=ago(days=2), end=ahead(hours=2), deals=["d1"])),
    ),
    expires(
        "R16", "expires_when_reassigned", base, change=set_("deals", "d1", owner_id="u2"), reason="reassigned"
    ),
    expires(
        "R16",
        "expires_when_the_deal_closes",
        base,
        change=set_("deals", "d1", stage_id="s6"),
        reason="closed",
    ),
    expires(
        "R16",
        "expires_when_next_steps_change",
        base,
        change=set_("deals", "d1", next_steps="Send the contract", next_steps_updated_at=ahead(minutes=30)),
        later=timedelta(hours=1),
        reason="next_steps_changed",
    ),
    stays(
        "R16",
        "stays_when_a_new_activity_is_logged",
        base,
        change=lambda w: w.note("n2", created=ahead(hours=1), deals=["d1"]),
        later=timedelta(days=2),
    ),
    stays("R16", "stays_without_an_age_limit", base, later=timedelta(days=90)),
    expires(
        "R16",
        "expires_reassigned_before_closed",
        base,
        change=set_("deals", "d1", owner_id="u2", stage_id="s6"),
        reason="reassigned",
    ),
]
