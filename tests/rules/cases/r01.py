"""R01 Newly assigned contacts."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, silent, stays, then
from tests.rules.world import ANA, World, ago


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")


FULL = {
    "key": "c1",
    "subject_type": "contact",
    "subject_id": "c1",
    "contact_id": "c1",
    "company_id": "co1",
    "category": "prospecting",
}

CASES = [
    fires("R01", "fires_for_a_contact_assigned_yesterday", base, FULL),
    fires(
        "R01",
        "fires_for_each_owner",
        then(base, lambda w: w.contact("c2", owner="u2")),
        {"key": "c1"},
        {"key": "c2", "user_id": "u2", "company_id": None},
    ),
    fires(
        "R01",
        "fires_without_a_lifecycle_stage",
        then(base, lambda w: setattr(w.contacts["c1"], "lifecycle_stage", None)),
        {"key": "c1"},
    ),
    fires(
        "R01", "fires_after_an_untracked_email", then(base, lambda w: w.sent("c1@globex.test")), {"key": "c1"}
    ),
    fires(
        "R01",
        "fires_when_another_user_sent_a_tracked_email",
        then(base, lambda w: w.sent("c1@globex.test", owner="u2", tracked=True)),
        {"key": "c1"},
    ),
    fires(
        "R01",
        "fires_when_the_contact_emailed_someone_else",
        then(base, lambda w: w.received("c1@globex.test", to=["bo@acme.test"], owner="u2")),
        {"key": "c1"},
    ),
    fires(
        "R01",
        "fires_when_assigned_just_under_30_days_ago",
        then(
            base,
            lambda w: setattr(w.contacts["c1"], "owner_assigned_at", ago(days=30) + timedelta(seconds=1)),
        ),
        {"key": "c1"},
    ),
    silent(
        "R01", "silent_without_an_owner", then(base, lambda w: setattr(w.contacts["c1"], "owner_id", None))
    ),
    silent(
        "R01",
        "silent_in_a_final_lifecycle_stage_any_case",
        then(base, lambda w: setattr(w.contacts["c1"], "lifecycle_stage", "Customer")),
    ),
    silent(
        "R01",
        "silent_in_the_orgs_own_final_stage",
        then(
            base,
            lambda w: setattr(w.org, "final_lifecycle_stages", ["Partner"]),
            lambda w: setattr(w.contacts["c1"], "lifecycle_stage", "partner"),
        ),
    ),
    silent("R01", "silent_when_on_a_deal", then(base, lambda w: w.deal("d1", contacts=["c1"], stage="s6"))),
    silent(
        "R01", "silent_after_a_tracked_email", then(base, lambda w: w.sent("C1@Globex.test", tracked=True))
    ),
    silent(
        "R01",
        "silent_after_a_tracked_email_in_cc",
        then(base, lambda w: w.email(to=["x@else.test"], cc=["c1@globex.test"], tracked=True)),
    ),
    silent(
        "R01", "silent_when_the_contact_emailed_the_user", then(base, lambda w: w.received("c1@globex.test"))
    ),
    silent(
        "R01",
        "silent_when_the_contact_emailed_the_user_in_cc",
        then(base, lambda w: w.received("c1@globex.test", to=["x@acme.test"], cc=[ANA.upper()])),
    ),
    silent(
        "R01",
        "silent_when_assigned_exactly_30_days_ago",
        then(base, lambda w: setattr(w.contacts["c1"], "owner_assigned_at", ago(days=30))),
    ),
    silent(
        "R01",
        "silent_when_the_assignment_time_is_unknown",
        then(base, lambda w: setattr(w.contacts["c1"], "owner_assigned_at", None)),
    ),
    expires(
        "R01",
        "expires_when_reassigned",
        base,
        change=lambda w: setattr(w.contacts["c1"], "owner_id", "u2"),
        reason="reassigned",
    ),
    expires(
        "R01",
        "expires_when_unassigned",
        base,
        change=lambda w: setattr(w.contacts["c1"], "owner_id", None),
        reason="reassigned",
    ),
    expires(
        "R01",
        "expires_when_it_becomes_a_customer",
        base,
        change=lambda w: setattr(w.contacts["c1"], "lifecycle_stage", "customer"),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R01",
        "expires_when_added_to_a_deal",
        base,
        change=lambda w: w.deal("d1", contacts=["c1"]),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R01",
        "expires_when_the_user_sends_a_tracked_email",
        base,
        change=lambda w: w.sent("c1@globex.test", tracked=True, sent=ago(minutes=5)),
        reason="criteria_no_longer_met",
    ),
    expires(
        "R01",
        "expires_when_the_contact_emails_the_user",
        base,
        change=lambda w: w.received("c1@globex.test", sent=ago(minutes=5)),
        reason="criteria_no_longer_met",
    ),
    expires("R01", "expires_when_30_days_old", base, later=timedelta(days=30), reason="aged_out"),
    stays("R01", "stays_open_just_under_30_days", base, later=timedelta(days=30, seconds=-1)),
    expires(
        "R01",
        "expires_reassigned_before_criteria",
        base,
        change=then(
            lambda w: setattr(w.contacts["c1"], "owner_id", "u2"),
            lambda w: setattr(w.contacts["c1"], "lifecycle_stage", "customer"),
        ),
        reason="reassigned",
    ),
    expires(
        "R01",
        "expires_criteria_before_age",
        base,
        change=lambda w: setattr(w.contacts["c1"], "lifecycle_stage", "customer"),
        later=timedelta(days=31),
        reason="criteria_no_longer_met",
    ),
]
