"""R09 Contacts awaiting your response."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import Arrange, expires, fires, set_, silent, stays, then
from tests.rules.world import ANA, BO, World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.received("c1@globex.test", id_="r1", sent=ago(days=1))


def email_to(to: list[str], cc: list[str] | None = None) -> Arrange:
    def arrange(w: World) -> None:
        w.contact("c1")
        w.received("c1@globex.test", id_="r1", sent=ago(days=1), to=to, cc=cc)

    return arrange


CASES = [
    fires(
        "R09",
        "fires_for_an_email_to_the_user",
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
    fires("R09", "fires_when_the_user_is_first_of_several", email_to([ANA, BO]), {"key": "r1"}),
    fires("R09", "fires_whatever_the_case_of_the_address", email_to(["Ana@ACME.test"]), {"key": "r1"}),
    fires(
        "R09",
        "fires_when_the_contact_has_a_disqualified_lead",
        then(base, lambda w: w.lead("l1", "c1", stage="ls9")),
        {"key": "r1"},
    ),
    fires(
        "R09",
        "fires_just_under_14_days_after_it_arrived",
        then(base, set_("activities", "r1", sent_at=ago(days=14) + timedelta(seconds=1))),
        {"key": "r1"},
    ),
    silent("R09", "silent_when_the_contact_has_no_owner", then(base, set_("contacts", "c1", owner_id=None))),
    silent(
        "R09", "silent_when_someone_else_owns_the_contact", then(base, set_("contacts", "c1", owner_id="u2"))
    ),
    silent("R09", "silent_when_the_contact_has_an_open_lead", then(base, lambda w: w.lead("l1", "c1"))),
    silent("R09", "silent_when_the_user_is_not_the_primary_recipient", email_to([BO, ANA])),
    silent("R09", "silent_when_the_user_is_only_in_cc", email_to(["x@globex.test"], [ANA])),
    silent(
        "R09",
        "silent_for_a_colleague_on_the_users_domain",
        lambda w: (w.contact("c1", email="carl@ACME.test"), w.received("carl@acme.test", sent=ago(days=1))),
    ),
    silent(
        "R09", "silent_14_days_after_it_arrived", then(base, set_("activities", "r1", sent_at=ago(days=14)))
    ),
    silent(
        "R09",
        "silent_when_the_user_answered_since",
        then(base, lambda w: w.sent("c1@globex.test", sent=ago(hours=2))),
    ),
    silent("R09", "silent_for_an_outgoing_email", lambda w: (w.contact("c1"), w.sent("c1@globex.test"))),
    expires(
        "R09",
        "expires_when_the_user_responds",
        base,
        change=lambda w: w.sent("c1@globex.test", sent=ahead(hours=1)),
        later=timedelta(hours=2),
        reason="responded",
    ),
    expires(
        "R09",
        "expires_when_reassigned",
        base,
        change=set_("contacts", "c1", owner_id="u2"),
        reason="reassigned",
    ),
    expires(
        "R09",
        "expires_when_the_contact_gets_an_open_lead",
        base,
        change=lambda w: w.lead("l1", "c1"),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R09",
        "expires_when_more_than_14_days_old",
        base,
        later=timedelta(days=14, seconds=1),
        reason="aged_out",
    ),
    stays("R09", "stays_at_exactly_14_days", base, later=timedelta(days=14)),
    expires(
        "R09",
        "expires_reassigned_before_responded",
        base,
        change=then(
            set_("contacts", "c1", owner_id="u2"), lambda w: w.sent("c1@globex.test", sent=ahead(hours=1))
        ),
        later=timedelta(hours=2),
        reason="reassigned",
    ),
    expires(
        "R09",
        "expires_responded_before_open_lead",
        base,
        change=then(lambda w: w.lead("l1", "c1"), lambda w: w.sent("c1@globex.test", sent=ahead(hours=1))),
        later=timedelta(hours=2),
        reason="responded",
    ),
]
