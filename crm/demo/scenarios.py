"""The activities every rep gets: one small story per guided-action rule (docs/guided-actions.md).

A reply waiting for an answer, meetings without an outcome, a deal gone quiet, tasks due in the rep's local
today; world.py names the contact each story is about, accounts.py the deals and leads.
"""

from __future__ import annotations

from collections.abc import Iterator

from crm.demo.accounts import SCENARIO_DEALS
from crm.demo.hours import office_slot
from crm.demo.records import Record, call, email, links, meeting, note, task
from crm.demo.world import (
    BUYER,
    DAY,
    DEAL_WRITER,
    HOUR,
    LEAD_WRITER,
    MEETINGS,
    MINUTE,
    POOL,
    QUIET_DEAL,
    REPLIED,
    WROTE,
    Demo,
    Rep,
)


def scenarios(demo: Demo, rep: Rep) -> Iterator[Record]:
    """One story per rule that works on activities (the contact positions are in world.py)."""
    clock = demo.clock
    ago, iso, now, aid = clock.ago, clock.iso, clock.now, demo.new_id
    c = rep.contacts
    d = [deal.id for deal in rep.deals[:SCENARIO_DEALS]]

    def local(days: int, hour: int, minute: int = 0) -> str:
        return iso(clock.local(rep.zone, days, hour, minute))

    def office(offset: int, minutes: int = 60) -> int:
        """``now + offset`` moved into the rep's office hours, keeping its side of now (hours.py)."""
        return office_slot(now + offset, rep.zone, now, minutes)

    # R05: the rep's tracked email was answered two days ago; no word back since.
    # R10: a contact on an open deal answered the rep's email this morning.
    for person, deal, subject, sent, opened, answered in (
        (c[REPLIED], None, "Pricing", 5 * DAY + 2 * HOUR, 5 * DAY, 2 * DAY),
        (c[DEAL_WRITER], d[2], "Proposal", 6 * DAY, 6 * DAY - 3 * HOUR, 20 * HOUR),
    ):
        first, thread = aid("a"), aid("th")
        yield email(
            first,
            rep,
            person,
            sent=ago(sent),
            outgoing=True,
            subject=subject,
            body=f"Hi {person.first}, the {subject.lower()} is attached.",
            thread=thread,
            linked=links(person, deal),
            opened=ago(opened),
        )
        yield email(
            aid("a"),
            rep,
            person,
            sent=ago(answered),
            outgoing=False,
            subject=f"Re: {subject}",
            body="Thanks! A few questions before we go ahead.",
            thread=thread,
            linked=links(person, deal),
            reply_to=first,
        )
    yield note(
        aid("a"),
        rep,
        created=ago(6 * DAY + HOUR),
        body="Buyer wants SSO before signing.",
        linked=links(None, d[2]),
    )
    # R09: a contact with no open lead or deal wrote to the rep yesterday.
    # R11: the contact of an open lead wrote to the rep.
    for person, lead, subject, sent in (
        (c[WROTE], None, "Intro", 26 * HOUR),
        (c[LEAD_WRITER], rep.open_lead_of.get(c[LEAD_WRITER].id), "Demo request", 2 * DAY + 5 * HOUR),
    ):
        yield email(
            aid("a"),
            rep,
            person,
            sent=ago(sent),
            outgoing=False,
            subject=subject,
            body=f"Hello {rep.name.split()[0]}, could we talk about your cobots?",
            thread=aid("th"),
            linked=links(person, lead=lead),
        )
    # R19: the buyer opened the rep's email ten days ago and never answered.
    person = c[BUYER]
    yield email(
        aid("a"),
        rep,
        person,
        sent=ago(10 * DAY),
        outgoing=True,
        subject="Contract draft",
        body=f"Hi {person.first}, here is the contract draft.",
        thread=aid("th"),
        linked=links(person, d[3]),
        opened=ago(9 * DAY),
    )
    # R16: the deal's last activity, a call, ended three days ago; its next steps are older.
    yield call(
        aid("a"),
        rep,
        started=iso(office(-3 * DAY, 15)),
        duration=900,
        status="completed",
        outcome="Connected",
        builtin=True,
        body="Walked through pricing; they want a pilot.",
        linked=links(c[QUIET_DEAL], d[4]),
    )
    # R06, R07: meetings of the last days without an outcome, or done and not followed up; one canceled.
    person = c[MEETINGS]
    for start, minutes, outcome in (
        (4 * HOUR, 60, None),
        (50 * HOUR, 60, "scheduled"),
        (3 * DAY + HOUR, 60, "completed"),
        (28 * HOUR, 30, "canceled"),
    ):
        yield meeting(
            aid("a"),
            rep,
            title="Discovery call",
            start=iso(office(-start, minutes)),
            end=iso(office(-start, minutes) + minutes * MINUTE),
            outcome=outcome,
            linked=links(person),
        )
    # R12: meetings in the next 24 hours (one on a deal), one canceled, one later this week.
    for who, deal, start, outcome in (
        (c[BUYER], d[3], 3 * HOUR, "scheduled"),
        (person, None, 20 * HOUR, "scheduled"),
        (person, None, 5 * HOUR, "canceled"),
        (c[DEAL_WRITER], d[2], 2 * DAY + 2 * HOUR, "scheduled"),
    ):
        yield meeting(
            aid("a"),
            rep,
            title=f"Demo for {who.company.name}",
            start=iso(office(start)),
            end=iso(office(start) + HOUR),
            outcome=outcome,
            linked=links(who, deal),
        )
    # R08: calls without an outcome (built-in, and logged by hand); a missed one and an old one stay quiet.
    for started, duration, status, outcome, builtin in (
        (2 * HOUR, 420, "completed", None, True),
        (30 * HOUR, 300, None, "", False),
        (5 * HOUR, 0, "no_answer", None, True),
        (9 * DAY, 240, "completed", None, False),
    ):
        yield call(
            aid("a"),
            rep,
            started=iso(office(-started, max(1, duration // 60))),
            duration=duration,
            status=status,
            outcome=outcome,
            builtin=builtin,
            body="Talked about the pilot.",
            linked=links(person),
        )
    # R13: a high-priority task due today; an overdue one, a high one due tomorrow, one done yesterday.
    pool = c[POOL:]
    for title, due, priority, status, kind, who in (
        ("Send revised quote", local(0, 17), "high", "not_started", "email", person),
        ("Call back", local(-2, 10), "medium", "in_progress", "call", pool[1]),
        ("Prepare proposal", local(1, 9, 30), "high", "not_started", "todo", pool[2]),
        ("Share case study", local(-1, 15), "low", "completed", "email", pool[3]),
    ):
        yield task(
            aid("a"),
            rep,
            title=title,
            due=due,
            created=ago(DAY + 2 * HOUR),
            linked=links(who),
            priority=priority,
            status=status,
            completed=due if status == "completed" else None,
            task_type=kind,
        )
    # R04: sequence tasks due today and overdue; the first step is done.
    enrollment, enrolled = rep.enrollments[0]  # accounts.enrollments puts c[ENROLLED]'s first
    for title, due, status, kind in (
        ("Sequence step 1: intro email", local(-3, 10), "completed", "email"),
        ("Sequence step 2: call", local(-1, 16), "in_progress", "call"),
        ("Sequence step 3: follow-up email", local(0, 11), "not_started", "email"),
    ):
        yield task(
            aid("a"),
            rep,
            title=title,
            due=due,
            created=ago(6 * DAY),
            linked=links(enrolled),
            status=status,
            completed=due if status == "completed" else None,
            task_type=kind,
            enrollment=enrollment,
        )
    # Private: visible to the rep alone.
    yield note(
        aid("a"),
        rep,
        created=ago(DAY),
        body="Personal: leave early Friday, move the pipeline review.",
        linked=links(None),
        private=True,
    )
