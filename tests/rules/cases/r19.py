"""R19 Follow up with the buyer."""

from __future__ import annotations

from datetime import timedelta

from tests.rules.cases import expires, fires, set_, silent, stays, then
from tests.rules.world import World, ago, ahead


def base(w: World) -> None:
    w.company("co1")
    w.contact("c1", company="co1")
    w.deal("d1", contacts=["c1"])
    w.sent("c1@globex.test", id_="o1", sent=ago(days=8), opened_at=ago(days=7, hours=12), thread_id="th1")


CASES = [
    fires(
        "R19",
        "fires_for_an_opened_email_without_reply",
        base,
        {
            "key": "o1",
            "subject_type": "email",
            "subject_id": "o1",
            "contact_id": "c1",
            "company_id": "co1",
            "category": "closing",
        },
    ),
    fires(
        "R19",
        "fires_exactly_seven_days_after_it_was_sent",
        then(base, set_("activities", "o1", sent_at=ago(days=7))),
        {"key": "o1"},
    ),
    fires(
        "R19",
        "fires_just_under_30_days_after_it_was_sent",
        then(base, set_("activities", "o1", sent_at=ago(days=30) + timedelta(seconds=1))),
        {"key": "o1"},
    ),
    fires(
        "R19",
        "fires_when_only_someone_else_replied",
        then(
            base,
            lambda w: w.contact("c9"),
            lambda w: w.received("c9@globex.test", sent=ago(days=6), in_reply_to="o1", thread_id="th1"),
        ),
        {"key": "o1"},
    ),
    fires(
        "R19",
        "fires_with_the_first_recipient_that_is_a_contact_as_snapshot",
        lambda w: (
            w.company("co1"),
            w.company("co2"),
            w.contact("c1", company="co1"),
            w.contact("c2", company="co2"),
            w.deal("d1", contacts=["c1"]),
            w.email(
                "o1",
                to=["nobody@else.test", "c2@globex.test"],
                cc=["c1@globex.test"],
                sent=ago(days=8),
                opened_at=ago(days=7),
            ),
        ),
        {"key": "o1", "contact_id": "c2", "company_id": "co2"},
    ),
    silent("R19", "silent_when_not_opened", then(base, set_("activities", "o1", opened_at=None))),
    silent(
        "R19",
        "silent_less_than_seven_days_after_it_was_sent",
        then(base, set_("activities", "o1", sent_at=ago(days=7) + timedelta(seconds=1))),
    ),
    silent(
        "R19", "silent_30_days_after_it_was_sent", then(base, set_("activities", "o1", sent_at=ago(days=30)))
    ),
    silent(
        "R19",
        "silent_when_the_buyer_replied",
        then(base, lambda w: w.received("c1@globex.test", sent=ago(days=3), in_reply_to="o1")),
    ),
    silent(
        "R19",
        "silent_when_the_buyer_replied_in_the_thread",
        then(base, lambda w: w.received("c1@globex.test", sent=ago(days=3), thread_id="th1")),
    ),
    silent("R19", "silent_when_the_deal_is_closed", then(base, set_("deals", "d1", stage_id="s6"))),
    silent(
        "R19",
        "silent_when_the_recipient_is_not_on_a_deal",
        then(base, lambda w: w.set_deal_contacts(w.deals["d1"], [])),
    ),
    silent("R19", "silent_when_someone_else_owns_the_deal", then(base, set_("deals", "d1", owner_id="u2"))),
    expires(
        "R19",
        "expires_when_the_buyer_replies",
        base,
        change=lambda w: w.received("c1@globex.test", sent=ahead(hours=1), in_reply_to="o1"),
        later=timedelta(hours=2),
        reason="replied",
    ),
    expires(
        "R19",
        "expires_when_the_deal_closes",
        base,
        change=set_("deals", "d1", stage_id="s5"),
        reason="closed",
    ),
    expires(
        "R19",
        "expires_when_more_than_seven_days_old",
        base,
        later=timedelta(days=7, seconds=1),
        reason="aged_out",
    ),
    stays("R19", "stays_at_exactly_seven_days", base, later=timedelta(days=7)),
    stays(
        "R19",
        "stays_when_an_earlier_email_in_the_thread_arrives",
        base,
        change=lambda w: w.received("c1@globex.test", sent=ago(days=9), thread_id="th1"),
    ),
    expires(
        "R19",
        "expires_closed_before_replied",
        base,
        change=then(
            set_("deals", "d1", stage_id="s5"),
            lambda w: w.received("c1@globex.test", sent=ahead(hours=1), in_reply_to="o1"),
        ),
        later=timedelta(hours=2),
        reason="closed",
    ),
]
