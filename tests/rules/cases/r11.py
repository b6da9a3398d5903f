"""R11 Leads awaiting your response."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import ANA, BO, World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.lead("l1", "c1")
    w.received("c1@globex.test", id_="r1", sent=ago(days=1))


CASES = [
    fires(
        "R11",
        "fires_for_an_email_from_an_open_leads_contact",
        base,
        {
            "key": "r1",
            "subject_type": "email",
            "subject_id": "r1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "prospecting",
        },
    ),
    fires(
        "R11",
        "fires_for_the_lead_owner_whoever_owns_the_contact",
        then(base, set_("contacts", "c1", owner_id="u2")),
        {"key": "r1"},
    ),
    fires(
        "R11",
        "fires_for_a_lead_in_a_later_open_stage",
        then(base, set_("leads", "l1", stage_id="ls2")),
        {"key": "r1"},
    ),
    fires(
        "R11",
        "fires_just_under_14_days_after_it_arrived",
        then(base, set_("activities", "r1", sent_at=ago(days=14) + timedelta(seconds=1))),
        {"key": "r1"},
    ),
    silent("R11", "silent_for_a_disqualified_lead", then(base, set_("leads", "l1", stage_id="ls9"))),
    silent("R11", "silent_for_a_lead_without_owner", then(base, set_("leads", "l1", owner_id=None))),
    silent("R11", "silent_when_someone_else_owns_the_lead", then(base, set_("leads", "l1", owner_id="u2"))),
    silent(
        "R11",
        "silent_when_the_user_is_not_the_primary_recipient",
        lambda w: (w.contact("c1"), w.lead("l1", "c1"), w.received("c1@globex.test", to=[BO, ANA])),
    ),
    silent(
        "R11",
        "silent_for_a_sender_on_the_users_domain",
        lambda w: (w.contact("c1", email="carl@acme.test"), w.lead("l1", "c1"), w.received("carl@acme.test")),
    ),
    silent(
        "R11", "silent_14_days_after_it_arrived", then(base, set_("activities", "r1", sent_at=ago(days=14)))
    ),
    silent(
        "R11",
        "silent_when_the_user_answered_since",
        then(base, lambda w: w.sent("c1@globex.test", sent=ago(hours=1))),
    ),
    expires(
        "R11",
        "expires_when_the_lead_is_reassigned",
        base,
        change=set_("leads", "l1", owner_id="u2"),
        reason="reassigned",
    ),
    expires(
        "R11",
        "expires_when_the_user_replies",
        base,
        change=lambda w: w.sent("c1@globex.test", sent=ahead(hours=1)),
        later=timedelta(hours=2),
        reason="responded",
    ),
    expires(
        "R11",
        "expires_when_more_than_14_days_old",
        base,
        later=timedelta(days=14, seconds=1),
        reason="aged_out",
    ),
    stays("R11", "stays_at_exactly_14_days", base, later=timedelta(days=14)),
    stays("R11", "stays_when_the_lead_is_disqualified", base, change=set_("leads", "l1", stage_id="ls9")),
]
