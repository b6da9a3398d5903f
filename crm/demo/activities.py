"""A demo rep's activities: the scenarios (scenarios.py), then background work over 90 days.

The background is email threads, calls, meetings, notes and tasks in office hours of the rep's zone, a fifth
of the meetings upcoming. It touches the scenario contacts only with work older than ``SETTLED`` and never
the scenario deals or leads, so no story is spoiled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from crm.demo import vocabulary as words
from crm.demo.accounts import SCENARIO_DEALS
from crm.demo.hours import office_slot
from crm.demo.records import Record, call, email, links, meeting, note, task
from crm.demo.scenarios import scenarios
from crm.demo.world import DAY, HOUR, MEETINGS, MINUTE, POOL, REPLIED, SETTLED, UNOWNED, Demo, Person, Rep

CALL_STATUSES = (("completed", 0.6), ("no_answer", 0.8), ("busy", 0.9), ("failed", 0.95), (None, 1.0))
PAST_MEETING_OUTCOMES = (
    ("completed", 0.6),
    ("no_show", 0.68),
    ("canceled", 0.78),
    ("rescheduled", 0.83),
    ("scheduled", 0.93),
    (None, 1.0),
)
PRIORITIES = ("high", "medium", "medium", "low", "low", "none")
OPEN_TASK_STATUSES = ("not_started", "not_started", "in_progress", "waiting", "deferred")


def background(demo: Demo, rep: Rep, count: int) -> Iterator[Record]:
    """``count`` activities at random over the last 90 days and the next two weeks."""
    rand = demo.rng.random
    clock = demo.clock
    iso, now = clock.iso, clock.now
    c = rep.contacts
    mail_recent = c[POOL:]
    other_recent = c[REPLIED:UNOWNED] + mail_recent
    settled = c[REPLIED:UNOWNED] + c[MEETINGS:]
    pool_ids = {p.id for p in mail_recent}
    deal_of = {p.id: d.id for d in rep.deals[SCENARIO_DEALS:] if d.open for p in d.contacts}
    lead_of = {p: lead for p, lead in rep.open_lead_of.items() if p in pool_ids}
    enrolled = {p.id: e for e, p in rep.enrollments if p.id in pool_ids}
    number = demo.take_ids("a", count)
    end = number + count
    while number < end:
        kind = rand()
        upcoming = 0.6 <= kind < 0.72 and rand() < 0.2
        if upcoming:  # a meeting in the next two weeks
            ts = office_slot(now + 15 * MINUTE + int(rand() * 14 * DAY), rep.zone, now)
        else:  # office hours on one of the last 90 local days, mostly off weekends
            day = int(rand() * 90)
            ts = rep.midnight - day * DAY + 8 * HOUR + int(rand() * 10 * HOUR)
            weekday = (rep.weekday - day) % 7
            if weekday >= 5 and rand() < 0.9:
                ts -= (weekday - 4) * DAY
            if ts > now - 15 * MINUTE:
                ts -= DAY
        recent = upcoming or now - ts < SETTLED + 3 * DAY
        people = (mail_recent if kind < 0.4 else other_recent) if recent else settled
        person = people[int(rand() * len(people))]
        deal, lead = deal_of.get(person.id), lead_of.get(person.id)
        if kind < 0.4:
            thread = _thread(
                demo, rep, person, deal, lead, ts, number, min(1 + int(rand() * 4), end - number)
            )
            for record in thread:
                number += 1
                yield record
            continue
        activity_id = f"a{number}"
        number += 1
        private = rand() < 0.02
        linked = links(person, deal, lead)
        if 0.4 <= kind < 0.72 and not upcoming:
            # Office hours by today's offset are an hour off across a daylight-saving change.
            ts = office_slot(ts, rep.zone, now, 15)
        if kind < 0.6:
            r = rand()
            status = next(s for s, upto in CALL_STATUSES if r < upto)
            talked = status in ("completed", None)
            yield call(
                activity_id,
                rep,
                started=iso(ts),
                duration=60 + int(rand() * 1800) if talked else int(rand() * 40),
                status=status,
                outcome=_one(rand, words.CALL_OUTCOMES) if status == "completed" and rand() < 0.85 else None,
                builtin=status is not None and rand() < 0.5,
                body=_one(rand, words.CALL_NOTES),
                linked=linked,
                private=private,
            )
        elif kind < 0.72:
            ts -= ts % (15 * MINUTE)
            r = rand()
            if upcoming:
                outcome: str | None = "scheduled" if r < 0.9 else "canceled"
            else:
                outcome = next(o for o, upto in PAST_MEETING_OUTCOMES if r < upto)
            yield meeting(
                activity_id,
                rep,
                title=_one(rand, words.MEETING_TITLES),  # the digest adds "with <contact>"
                start=iso(ts),
                end=iso(ts + (30, 45, 60)[int(rand() * 3)] * MINUTE),
                outcome=outcome,
                linked=linked,
            )
        elif kind < 0.82:
            body = _one(rand, words.NOTE_TEXTS)
            yield note(activity_id, rep, created=iso(ts), body=body, linked=linked, private=private)
        else:
            due = ts + (1 + int(rand() * 10)) * DAY
            done = rand() < (0.85 if due < now - 2 * DAY else 0.15)
            completed = min(ts + int(rand() * (due - ts)), now - MINUTE) if done else None
            enrollment = enrolled.get(person.id) if rand() < 0.5 else None
            yield task(
                activity_id,
                rep,
                title=_one(rand, words.TASK_TITLES),
                due=iso(due),
                created=iso(ts),
                linked=linked,
                priority=_one(rand, PRIORITIES),
                status="completed" if done else _one(rand, OPEN_TASK_STATUSES),
                completed=None if completed is None else iso(completed),
                task_type=_one(rand, ("call", "email") if enrollment else ("todo", "call", "email")),
                enrollment=enrollment,
                private=private,
            )


def _one(rand: Callable[[], float], choices: Sequence[str]) -> str:
    # rng.choice costs several times more, and the bulk of the large profile goes through here
    return choices[int(rand() * len(choices))]


def _thread(
    demo: Demo,
    rep: Rep,
    person: Person,
    deal: str | None,
    lead: str | None,
    ts: int,
    number: int,
    length: int,
) -> Iterator[Record]:
    """Up to ``length`` emails back and forth from ``ts`` on, ids from ``a<number>``; stops before now."""
    rand = demo.rng.random
    iso, now = demo.clock.iso, demo.clock.now
    subject = _one(rand, words.EMAIL_SUBJECTS)
    thread = demo.new_id("th")
    outgoing = rand() < 0.75
    previous: str | None = None
    for activity_id in (f"a{n}" for n in range(number, number + length)):
        linked = links(person, deal, lead)
        if outgoing:
            tracked = rand() < 0.85
            # ``now`` stands for "never": opens and clicks happen before now or not at all.
            opened = ts + 5 * MINUTE + int(rand() * DAY) if tracked and rand() < 0.65 else now
            clicked = opened + MINUTE + int(rand() * HOUR) if rand() < 0.2 else now
            record = email(
                activity_id,
                rep,
                person,
                sent=iso(ts),
                outgoing=True,
                subject=f"Re: {subject}" if previous else subject,
                body=f"Hi {person.first}, {_one(rand, words.EMAIL_OPENERS)}",
                thread=thread,
                linked=linked,
                reply_to=previous,
                tracked=tracked,
                opened=iso(opened) if opened < now else None,
                clicked=iso(clicked) if clicked < now else None,
            )
        else:
            record = email(
                activity_id,
                rep,
                person,
                sent=iso(ts),
                outgoing=False,
                subject=f"Re: {subject}" if previous else subject,
                body=_one(rand, words.REPLY_LINES),
                thread=thread,
                linked=linked,
                reply_to=previous if rand() < 0.85 else None,  # else a reply by thread alone
            )
        yield record
        previous, outgoing = activity_id, not outgoing
        ts += HOUR + int(rand() * 2 * DAY)
        if ts >= now - MINUTE:
            return


def rep_activities(demo: Demo, rep: Rep, count: int) -> Iterator[Record]:
    """Exactly ``count`` activities (fewer only if the scenarios alone exceed it)."""
    made = 0
    for record in scenarios(demo, rep):
        made += 1
        yield record
    yield from background(demo, rep, count - made)
