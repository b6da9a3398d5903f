"""R14 Target account activity."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago


def base(w: World) -> None:
    w.company("co1", owner="u2", target=True)
    w.contact("c1", company="co1")
    w.event("c1", at=ago(days=2), id_="ev1")


CASES = [
    fires(
        "R14",
        "fires_when_a_target_accounts_contact_engages",
        base,
        {
            "key": "c1|ev1",
            "subject_type": "contact",
            "subject_id": "c1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "prospecting",
        },
    ),
    fires(
        "R14",
        "fires_for_the_company_owner_when_the_contact_has_none",
        then(base, set_("contacts", "c1", owner_id=None)),
        {"key": "c1|ev1", "user_id": "u2"},
    ),
    fires(
        "R14",
        "fires_for_the_most_recent_engagement",
        then(base, lambda w: w.event("c1", at=ago(days=1), id_="ev2", type_="form_submission")),
        {"key": "c1|ev2"},
    ),
    fires(
        "R14",
        "fires_just_under_seven_days_after_the_engagement",
        then(base, set_("events", "ev1", at=ago(days=7) + timedelta(seconds=1))),
        {"key": "c1|ev1"},
    ),
    silent(
        "R14",
        "silent_for_a_company_that_is_not_a_target_account",
        then(base, set_("companies", "co1", target_account=False)),
    ),
    silent(
        "R14", "silent_for_a_contact_without_a_company", then(base, set_("contacts", "c1", company_id=None))
    ),
    silent(
        "R14", "silent_seven_days_after_the_engagement", then(base, set_("events", "ev1", at=ago(days=7)))
    ),
    silent(
        "R14",
        "silent_when_nobody_owns_the_contact_or_the_company",
        then(base, set_("contacts", "c1", owner_id=None), set_("companies", "co1", owner_id=None)),
    ),
    silent(
        "R14",
        "silent_for_an_email_the_contact_sent",
        lambda w: (
            w.company("co1", target=True),
            w.contact("c1", company="co1"),
            w.received("c1@globex.test", sent=ago(days=1)),
        ),
    ),
    expires(
        "R14",
        "expires_when_the_company_stops_being_a_target_account",
        base,
        change=set_("companies", "co1", target_account=False),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R14",
        "expires_seven_days_after_the_last_engagement",
        base,
        later=timedelta(days=5, seconds=1),
        reason="aged_out",
    ),
    stays("R14", "stays_exactly_seven_days_after_the_last_engagement", base, later=timedelta(days=5)),
    stays(
        "R14",
        "stays_while_the_contact_keeps_engaging",
        base,
        change=lambda w: w.event("c1", at=ago(days=-4)),
        later=timedelta(days=6),
    ),
    stays("R14", "stays_when_the_contact_is_reassigned", base, change=set_("contacts", "c1", owner_id="u2")),
]
