"""R15 Recently engaged leads."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.lead("l1", "c1")
    w.event("c1", at=ago(days=2), id_="ev1")


CASES = [
    fires(
        "R15",
        "fires_for_an_open_lead_whose_contact_engaged",
        base,
        {
            "key": "l1|ev1",
            "subject_type": "lead",
            "subject_id": "l1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "prospecting",
        },
    ),
    fires(
        "R15",
        "fires_for_every_open_lead_of_the_contact",
        then(base, lambda w: w.lead("l2", "c1", owner="u2", stage="ls2")),
        {"key": "l1|ev1"},
        {"key": "l2|ev1", "user_id": "u2"},
    ),
    fires(
        "R15",
        "fires_for_the_most_recent_engagement",
        then(base, lambda w: w.event("c1", at=ago(hours=1), id_="ev2", type_="email_open")),
        {"key": "l1|ev2"},
    ),
    silent("R15", "silent_for_a_disqualified_lead", then(base, set_("leads", "l1", stage_id="ls9"))),
    silent("R15", "silent_for_a_converted_lead", then(base, set_("leads", "l1", stage_id="ls8"))),
    silent("R15", "silent_for_a_lead_without_owner", then(base, set_("leads", "l1", owner_id=None))),
    silent(
        "R15", "silent_seven_days_after_the_engagement", then(base, set_("events", "ev1", at=ago(days=7)))
    ),
    expires(
        "R15",
        "expires_seven_days_after_the_last_engagement",
        base,
        later=timedelta(days=5, seconds=1),
        reason="aged_out",
    ),
    stays("R15", "stays_exactly_seven_days_after_the_last_engagement", base, later=timedelta(days=5)),
    stays("R15", "stays_when_the_lead_is_disqualified", base, change=set_("leads", "l1", stage_id="ls9")),
]
