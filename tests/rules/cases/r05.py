"""R05 Email replies (the R10 > R05 > R09 precedence: test_lifecycle.py)."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.sent("c1@globex.test", id_="o1", sent=ago(days=3), thread_id="th1")
    w.received("c1@globex.test", id_="r1", sent=ago(days=2), in_reply_to="o1", thread_id="th1")


CASES = [
    fires(
        "R05",
        "fires_for_a_reply_naming_the_users_email",
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
        "R05",
        "fires_for_a_reply_in_the_users_thread",
        then(base, set_("activities", "r1", in_reply_to=None)),
        {"key": "r1"},
    ),
    fires(
        "R05",
        "fires_for_a_reply_to_someone_else",
        then(base, set_("activities", "r1", owner_id="u2")),
        {"key": "r1"},
    ),
    fires(
        "R05",
        "fires_whatever_the_case_of_the_address",
        then(
            lambda w: w.contact("c1", email="C1@Globex.TEST"),
            lambda w: w.sent("c1@globex.test", id_="o1", sent=ago(days=3)),
            lambda w: w.received("c1@GLOBEX.test", id_="r1", sent=ago(days=2), in_reply_to="o1"),
        ),
        {"key": "r1", "company_id": None},
    ),
    fires(
        "R05",
        "fires_just_under_14_days_after_the_reply",
        then(
            base,
            set_("activities", "o1", sent_at=ago(days=15)),
            set_("activities", "r1", sent_at=ago(days=14) + timedelta(seconds=1)),
        ),
        {"key": "r1"},
    ),
    silent("R05", "silent_when_the_contact_has_no_owner", then(base, set_("contacts", "c1", owner_id=None))),
    silent(
        "R05",
        "silent_for_an_email_that_is_not_a_reply",
        then(base, set_("activities", "r1", in_reply_to=None, thread_id=None)),
    ),
    silent(
        "R05",
        "silent_for_a_reply_to_another_users_email",
        then(base, set_("activities", "o1", owner_id="u2")),
    ),
    silent(
        "R05",
        "silent_for_a_thread_email_older_than_the_users",
        then(base, set_("activities", "r1", in_reply_to=None, sent_at=ago(days=4))),
    ),
    silent(
        "R05",
        "silent_for_a_reply_14_days_old",
        then(
            base,
            set_("activities", "o1", sent_at=ago(days=15)),
            set_("activities", "r1", sent_at=ago(days=14)),
        ),
    ),
    silent(
        "R05",
        "silent_when_the_user_emailed_the_contact_since",
        then(base, lambda w: w.email(to=["x@else.test"], cc=["c1@globex.test"], sent=ago(days=1))),
    ),
    expires(
        "R05",
        "expires_when_the_user_responds",
        base,
        change=lambda w: w.sent("c1@globex.test", sent=ahead(hours=1)),
        later=timedelta(hours=2),
        reason="responded",
    ),
    stays(
        "R05",
        "stays_when_another_user_emails_the_contact",
        base,
        change=lambda w: w.sent("c1@globex.test", owner="u2", sent=ahead(hours=1)),
        later=timedelta(hours=2),
    ),
    expires(
        "R05",
        "expires_when_reassigned",
        base,
        change=set_("contacts", "c1", owner_id="u2"),
        reason="reassigned",
    ),
    expires("R05", "expires_when_14_days_old", base, later=timedelta(days=14), reason="aged_out"),
    stays("R05", "stays_just_under_14_days", base, later=timedelta(days=14, seconds=-1)),
    expires(
        "R05",
        "expires_reassigned_before_responded",
        base,
        change=then(
            set_("contacts", "c1", owner_id="u2"), lambda w: w.sent("c1@globex.test", sent=ahead(hours=1))
        ),
        later=timedelta(hours=2),
        reason="reassigned",
    ),
]
