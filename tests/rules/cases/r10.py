"""R10 Reply to email."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import ANA, BO, World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.deal("d1", contacts=["c1"], company="co1")
    w.received("c1@globex.test", id_="r1", sent=ago(days=1))


CASES = [
    fires(
        "R10",
        "fires_for_an_email_from_a_deal_contact",
        base,
        {
            "key": "r1",
            "subject_type": "email",
            "subject_id": "r1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "closing",
        },
    ),
    fires(
        "R10",
        "fires_when_the_user_is_in_cc",
        lambda w: (
            w.contact("c1"),
            w.deal("d1", contacts=["c1"]),
            w.received("c1@globex.test", id_="r1", to=["x@globex.test"], cc=[ANA]),
        ),
        {"key": "r1"},
    ),
    fires(
        "R10",
        "fires_for_the_deal_owner_whoever_owns_the_contact",
        then(base, set_("contacts", "c1", owner_id="u2")),
        {"key": "r1"},
    ),
    fires(
        "R10",
        "fires_for_each_deal_owner_among_the_recipients",
        then(
            base,
            lambda w: w.deal("d2", owner="u2", contacts=["c1"]),
            lambda w: w.received("c1@globex.test", id_="r2", to=[ANA, BO]),
        ),
        {"key": "r1"},
        {"key": "r2"},
        {"key": "r2", "user_id": "u2"},
    ),
    fires(
        "R10",
        "fires_just_under_seven_days_after_it_arrived",
        then(base, set_("activities", "r1", sent_at=ago(days=7) + timedelta(seconds=1))),
        {"key": "r1"},
    ),
    silent("R10", "silent_when_the_deal_is_closed", then(base, set_("deals", "d1", stage_id="s5"))),
    silent("R10", "silent_when_the_deal_has_no_owner", then(base, set_("deals", "d1", owner_id=None))),
    silent(
        "R10",
        "silent_when_the_contact_is_not_on_the_deal",
        then(base, lambda w: w.set_deal_contacts(w.deals["d1"], [])),
    ),
    silent(
        "R10",
        "silent_when_the_user_is_not_a_recipient",
        lambda w: (
            w.contact("c1"),
            w.deal("d1", contacts=["c1"]),
            w.received("c1@globex.test", to=[BO], owner="u2"),
        ),
    ),
    silent(
        "R10",
        "silent_when_the_user_answered_since",
        then(base, lambda w: w.sent("c1@globex.test", sent=ago(hours=1))),
    ),
    silent(
        "R10", "silent_seven_days_after_it_arrived", then(base, set_("activities", "r1", sent_at=ago(days=7)))
    ),
    expires(
        "R10",
        "expires_when_the_deal_closes",
        base,
        change=set_("deals", "d1", stage_id="s6"),
        reason="closed",
    ),
    expires(
        "R10",
        "expires_when_the_user_replies",
        base,
        change=lambda w: w.sent("c1@globex.test", sent=ahead(hours=1)),
        later=timedelta(hours=2),
        reason="responded",
    ),
    expires(
        "R10",
        "expires_when_more_than_seven_days_old",
        base,
        later=timedelta(days=7, seconds=1),
        reason="aged_out",
    ),
    stays("R10", "stays_at_exactly_seven_days", base, later=timedelta(days=7)),
    stays(
        "R10",
        "stays_when_the_deal_is_reassigned",
        base,
        change=set_("deals", "d1", owner_id="u2"),
    ),
    expires(
        "R10",
        "expires_closed_before_responded",
        base,
        change=then(
            set_("deals", "d1", stage_id="s5"), lambda w: w.sent("c1@globex.test", sent=ahead(hours=1))
        ),
        later=timedelta(hours=2),
        reason="closed",
    ),
]
