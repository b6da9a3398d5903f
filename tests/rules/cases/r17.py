"""R17 Add a contact to the deal."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago


def base(w: World) -> None:
    w.company("co1")
    w.deal("d1", stage="s2", created=ago(days=10), company="co1")


CASES = [
    fires(
        "R17",
        "fires_for_an_open_deal_without_contacts",
        base,
        {
            "key": "d1",
            "subject_type": "deal",
            "subject_id": "d1",
            "contact_id": None,
            "company_id": "co1",
            "category": "closing",
        },
    ),
    fires(
        "R17",
        "fires_just_over_seven_days_after_creation",
        then(base, set_("deals", "d1", created_at=ago(days=7, seconds=1))),
        {"key": "d1"},
    ),
    fires(
        "R17",
        "fires_for_each_owner",
        then(base, lambda w: w.deal("d2", owner="u2", created=ago(days=8))),
        {"key": "d1"},
        {"key": "d2", "user_id": "u2", "company_id": None},
    ),
    silent(
        "R17",
        "silent_for_a_deal_with_a_contact",
        then(base, lambda w: w.contact("c1"), lambda w: w.set_deal_contacts(w.deals["d1"], ["c1"])),
    ),
    silent(
        "R17", "silent_seven_days_after_creation", then(base, set_("deals", "d1", created_at=ago(days=7)))
    ),
    silent("R17", "silent_for_a_lost_deal", then(base, set_("deals", "d1", stage_id="s6"))),
    silent("R17", "silent_for_a_deal_without_owner", then(base, set_("deals", "d1", owner_id=None))),
    expires(
        "R17", "expires_when_reassigned", base, change=set_("deals", "d1", owner_id="u2"), reason="reassigned"
    ),
    expires(
        "R17",
        "expires_when_the_deal_closes",
        base,
        change=set_("deals", "d1", stage_id="s5"),
        reason="closed",
    ),
    expires(
        "R17",
        "expires_when_a_contact_is_added",
        base,
        change=then(lambda w: w.contact("c1"), lambda w: w.set_deal_contacts(w.deals["d1"], ["c1"])),
        reason="contact_associated",
    ),
    expires(
        "R17",
        "expires_when_more_than_seven_days_old",
        base,
        later=timedelta(days=7, seconds=1),
        reason="aged_out",
    ),
    stays("R17", "stays_at_exactly_seven_days", base, later=timedelta(days=7)),
    expires(
        "R17",
        "expires_closed_before_contact_associated",
        base,
        change=then(
            set_("deals", "d1", stage_id="s5"),
            lambda w: w.contact("c1"),
            lambda w: w.set_deal_contacts(w.deals["d1"], ["c1"]),
        ),
        reason="closed",
    ),
]
