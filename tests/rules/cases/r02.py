"""R02 Newly assigned leads."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.lead("l1", "c1")


CASES = [
    fires(
        "R02",
        "fires_for_a_new_lead_in_the_first_stage",
        base,
        {
            "key": "l1",
            "subject_type": "lead",
            "subject_id": "l1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "prospecting",
        },
    ),
    fires(
        "R02",
        "fires_for_each_owner",
        then(base, lambda w: w.contact("c2"), lambda w: w.lead("l2", "c2", owner="u2")),
        {"key": "l1"},
        {"key": "l2", "user_id": "u2", "contact_id": "c2", "company_id": None},
    ),
    fires(
        "R02",
        "fires_when_assigned_just_under_30_days_ago",
        then(base, set_("leads", "l1", owner_assigned_at=ago(days=30) + timedelta(seconds=1))),
        {"key": "l1"},
    ),
    fires(
        "R02",
        "fires_after_activity_logged_before_now",
        then(base, lambda w: w.note(created=ago(hours=1), leads=["l1"])),
        {"key": "l1"},
    ),
    silent("R02", "silent_without_an_owner", then(base, set_("leads", "l1", owner_id=None))),
    silent("R02", "silent_in_a_later_stage", then(base, set_("leads", "l1", stage_id="ls2"))),
    silent("R02", "silent_when_disqualified", then(base, set_("leads", "l1", stage_id="ls9"))),
    silent(
        "R02",
        "silent_when_assigned_exactly_30_days_ago",
        then(base, set_("leads", "l1", owner_assigned_at=ago(days=30))),
    ),
    silent(
        "R02",
        "silent_when_the_assignment_time_is_unknown",
        then(base, set_("leads", "l1", owner_assigned_at=None)),
    ),
    # "Not created already expired": a meeting the user already set up happens after the action would be.
    silent(
        "R02",
        "silent_when_the_user_already_scheduled_a_meeting",
        then(base, lambda w: w.meeting(start=ahead(days=1), leads=["l1"])),
    ),
    expires(
        "R02", "expires_when_reassigned", base, change=set_("leads", "l1", owner_id="u2"), reason="reassigned"
    ),
    expires(
        "R02",
        "expires_when_the_user_logs_a_call",
        base,
        change=lambda w: w.call(started=ahead(hours=1), leads=["l1"]),
        later=timedelta(hours=2),
        reason="activity_logged",
    ),
    expires(
        "R02",
        "expires_when_the_user_adds_a_task",
        base,
        change=lambda w: w.task(created=ahead(minutes=30), leads=["l1"]),
        later=timedelta(hours=1),
        reason="activity_logged",
    ),
    stays(
        "R02",
        "stays_when_another_user_logs_a_call",
        base,
        change=lambda w: w.call(owner="u2", started=ahead(hours=1), leads=["l1"]),
        later=timedelta(hours=2),
    ),
    stays(
        "R02",
        "stays_for_activity_that_happened_before_it_was_created",
        base,
        change=lambda w: w.note(created=ago(hours=1), leads=["l1"]),
    ),
    stays(
        "R02",
        "stays_when_the_lead_moves_on_from_the_first_stage",
        base,
        change=set_("leads", "l1", stage_id="ls2"),
    ),
    expires("R02", "expires_when_30_days_old", base, later=timedelta(days=30), reason="aged_out"),
    stays("R02", "stays_just_under_30_days", base, later=timedelta(days=30, seconds=-1)),
    expires(
        "R02",
        "expires_reassigned_before_activity_logged",
        base,
        change=then(
            set_("leads", "l1", owner_id="u2"), lambda w: w.note(created=ahead(minutes=1), leads=["l1"])
        ),
        later=timedelta(hours=1),
        reason="reassigned",
    ),
]
