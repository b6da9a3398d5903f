"""R03 Re-engaged contacts."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.lead("l1", "c1", stage="ls9", created=ago(days=60), disqualified=ago(days=20))
    w.event("c1", at=ago(days=2))


def no_event(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.lead("l1", "c1", stage="ls9", created=ago(days=60), disqualified=ago(days=20))


CASES = [
    fires(
        "R03",
        "fires_after_a_page_view_since_disqualification",
        base,
        {
            "key": "c1|l1",
            "subject_type": "contact",
            "subject_id": "c1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "prospecting",
        },
    ),
    fires(
        "R03",
        "fires_after_an_email_from_the_contact",
        then(
            no_event,
            lambda w: w.received("c1@globex.test", to=["bo@acme.test"], owner="u2", sent=ago(days=5)),
        ),
        {"key": "c1|l1"},
    ),
    fires(
        "R03",
        "fires_for_the_most_recent_lead",
        then(
            base, lambda w: w.lead("l0", "c1", stage="ls9", created=ago(days=90), disqualified=ago(days=80))
        ),
        {"key": "c1|l1"},
    ),
    fires(
        "R03",
        "fires_when_engaged_just_under_30_days_ago",
        then(
            no_event,
            set_("leads", "l1", disqualified_at=ago(days=40)),
            lambda w: w.event("c1", at=ago(days=30) + timedelta(seconds=1)),
        ),
        {"key": "c1|l1"},
    ),
    silent("R03", "silent_without_an_owner", then(base, set_("contacts", "c1", owner_id=None))),
    silent(
        "R03",
        "silent_with_an_open_lead",
        then(base, lambda w: w.lead("l2", "c1", stage="ls1", created=ago(days=90))),
    ),
    silent(
        "R03",
        "silent_when_the_most_recent_lead_is_converted_not_disqualified",
        then(base, lambda w: w.lead("l2", "c1", stage="ls8", created=ago(days=10))),
    ),
    silent("R03", "silent_without_a_lead", lambda w: (w.contact("c1"), w.event("c1", at=ago(days=2)))),
    silent(
        "R03",
        "silent_when_it_engaged_before_the_disqualification",
        then(no_event, lambda w: w.event("c1", at=ago(days=25))),
    ),
    silent(
        "R03",
        "silent_when_engaged_exactly_30_days_ago",
        then(
            no_event,
            set_("leads", "l1", disqualified_at=ago(days=40)),
            lambda w: w.event("c1", at=ago(days=30)),
        ),
    ),
    silent(
        "R03",
        "silent_when_the_disqualification_time_is_unknown",
        then(base, set_("leads", "l1", disqualified_at=None)),
    ),
    expires(
        "R03",
        "expires_when_reassigned",
        base,
        change=set_("contacts", "c1", owner_id="u2"),
        reason="reassigned",
    ),
    expires(
        "R03",
        "expires_when_a_lead_is_created",
        base,
        change=lambda w: w.lead("l2", "c1", created=ago(minutes=1)),
        reason="lead_created",
    ),
    expires(
        "R03",
        "expires_30_days_after_the_last_engagement",
        base,
        later=timedelta(days=28, seconds=1),
        reason="aged_out",
    ),
    stays("R03", "stays_exactly_30_days_after_the_last_engagement", base, later=timedelta(days=28)),
    stays(
        "R03",
        "stays_while_the_contact_keeps_engaging",
        base,
        change=lambda w: w.event("c1", at=ago(days=-20)),
        later=timedelta(days=40),
    ),
    expires(
        "R03",
        "expires_reassigned_before_lead_created",
        base,
        change=then(
            set_("contacts", "c1", owner_id="u2"), lambda w: w.lead("l2", "c1", created=ago(minutes=1))
        ),
        reason="reassigned",
    ),
]
