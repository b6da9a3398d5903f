"""A demo rep's activities and their contacts' engagement: the scenarios every rep gets, then background.

The scenarios are small stories, each giving one guided-action rule (guided-actions.md) something to find:
a reply waiting for an answer, a meeting without an outcome, a deal gone quiet... The background is random
work in proportion to the profile: email threads, calls, meetings, notes and tasks over 90 days.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from crm.demo import vocabulary as words

if TYPE_CHECKING:
    from crm.demo.builder import Generator, Rep

Record = dict[str, Any]
SCENARIO_DEALS = 5  # deals 0..4 of every rep belong to the scenarios; background work avoids them


def _links(
    contacts: list[str] | None = None, deals: list[str] | None = None, leads: list[str] | None = None
) -> Record:
    return {"contacts": contacts or [], "companies": [], "deals": deals or [], "leads": leads or []}


def email(
    g: Generator, rep: Rep, contact: Record, *, sent: str, incoming: bool = False, **fields: Any
) -> Record:
    record = {
        "id": g.next_id("a"),
        "type": "email",
        "owner_id": rep.id,
        "direction": "incoming" if incoming else "outgoing",
        "tracked": not incoming,
        "sent_at": sent,
        "from": contact["email"] if incoming else rep.email,
        "to": [rep.email] if incoming else [contact["email"]],
        "cc": [],
        "subject": g.rng.choice(words.EMAIL_SUBJECTS),
        "body": f"Hi {rep.name.split()[0] if incoming else contact['first_name']}, following up on our call.",
        "thread_id": None,
        "in_reply_to": None,
        "opened_at": None,
        "associations": _links([contact["id"]]),
    }
    record.update(fields)
    return record


def meeting(g: Generator, rep: Rep, contact: Record, *, start: str, end: str, **fields: Any) -> Record:
    record = {
        "id": g.next_id("a"),
        "type": "meeting",
        "owner_id": rep.id,
        "title": f"{g.rng.choice(words.MEETING_TITLES)} with {contact['first_name']}",
        "start": start,
        "end": end,
        "outcome": "scheduled",
        "link": f"https://meet.example/{g.counters['a']:x}",
        "body": "Agenda: goals, timeline, next steps.",
        "associations": _links([contact["id"]]),
    }
    record.update(fields)
    return record


def call(g: Generator, rep: Rep, contact: Record, *, started: str, **fields: Any) -> Record:
    record = {
        "id": g.next_id("a"),
        "type": "call",
        "owner_id": rep.id,
        "started_at": started,
        "duration_s": g.rng.randint(60, 1800),
        "status": "completed",
        "outcome": None,
        "via_builtin_calling": g.rng.random() < 0.5,
        "body": "Discussed budget and timeline.",
        "associations": _links([contact["id"]]),
    }
    record.update(fields)
    return record


def task(g: Generator, rep: Rep, contact: Record | None, *, due: str, **fields: Any) -> Record:
    record = {
        "id": g.next_id("a"),
        "type": "task",
        "owner_id": rep.id,
        "title": g.rng.choice(words.TASK_TITLES) + (f" ({contact['first_name']})" if contact else ""),
        "due_at": due,
        "priority": "medium",
        "status": "not_started",
        "completed_at": None,
        "task_type": g.rng.choice(("todo", "call", "email")),
        "enrollment_id": None,
        "created_at": g.ago(days=3),
        "body": "",
        "associations": _links([contact["id"]] if contact else []),
    }
    record.update(fields)
    return record


def scenarios(g: Generator, rep: Rep, leads: list[Record], deals: list[Record]) -> Iterator[Record]:
    c = rep.contacts
    new_lead = leads[0]
    # R05: the rep emailed a contact, who replied two days ago; no answer yet.
    first = email(g, rep, c[-1], sent=g.ago(days=5), thread_id=f"th-{rep.id}-r05", opened_at=g.ago(days=4))
    yield first
    yield email(
        g,
        rep,
        c[-1],
        sent=g.ago(days=2),
        incoming=True,
        thread_id=first["thread_id"],
        in_reply_to=first["id"],
    )
    # R09: a contact with no open lead wrote to the rep yesterday.
    yield email(g, rep, c[-2], sent=g.ago(days=1, hours=2), incoming=True)
    # R10: a contact on an open deal wrote to the rep.
    yield email(
        g, rep, c[7], sent=g.ago(hours=20), incoming=True, associations=_links([c[7]["id"]], [deals[2]["id"]])
    )
    # R11 (and R15 through an event): the contact of a new lead wrote to the rep.
    yield email(g, rep, c[5], sent=g.ago(days=2, hours=5), incoming=True)
    # R19: a tracked email on an open deal, opened, no reply for ten days.
    yield email(
        g,
        rep,
        c[8],
        sent=g.ago(days=10),
        opened_at=g.ago(days=9),
        associations=_links([c[8]["id"]], [deals[3]["id"]]),
    )
    # R16: the latest activity on a deal ended three days ago; next steps are older.
    yield call(
        g,
        rep,
        c[9],
        started=g.ago(days=3),
        outcome="Connected",
        associations=_links([c[9]["id"]], [deals[4]["id"]]),
    )
    # R06: a meeting ended three hours ago without an outcome.
    yield meeting(g, rep, c[3], start=g.ago(hours=4), end=g.ago(hours=3), outcome=None)
    # R07: a meeting two days ago to follow up on.
    yield meeting(g, rep, c[4], start=g.ago(days=2, hours=1), end=g.ago(days=2), outcome="completed")
    # R08: a call two hours ago with no outcome logged.
    yield call(g, rep, c[3], started=g.ago(hours=2), duration_s=420)
    # R12: a meeting later today (and a meeting for the digest).
    yield meeting(g, rep, c[2], start=g.ahead(hours=3), end=g.ahead(hours=4))
    # R13: a high-priority task due today; R04: a sequence task due today; an overdue and a tomorrow task.
    yield task(g, rep, c[2], due=g.local(rep, 0, 17), priority="high")
    yield task(g, rep, c[10], due=g.local(rep, 0, 11), task_type="email", enrollment_id=f"e-{rep.id}-1")
    yield task(g, rep, c[11], due=g.local(rep, -2, 10))
    yield task(g, rep, c[12], due=g.local(rep, 1, 9, 30))
    del new_lead  # R02 needs no activity at all on the new lead


def background(g: Generator, rep: Rep, deals: list[Record], count: int) -> Iterator[Record]:
    pool = rep.contacts[14:-3] or rep.contacts[14:] or rep.contacts
    open_deals = [d for d in deals[SCENARIO_DEALS:] if d["stage_id"] not in ("s6", "s7")]
    made = 0
    while made < count:
        contact = g.rng.choice(pool)
        deal_ids = [g.rng.choice(open_deals)["id"]] if open_deals and g.rng.random() < 0.4 else []
        private = g.rng.random() < 0.03
        kind = g.rng.random()
        minutes = g.rng.randint(60 * 24 * 8, 60 * 24 * 90)  # older than a week: background stays quiet
        if kind < 0.4 and made + 2 <= count:
            thread = f"th-{g.counters.get('a', 0) + 1}"
            out = email(g, rep, contact, sent=g.ago(minutes=minutes), thread_id=thread, private=private)
            out["associations"]["deals"] = deal_ids
            if g.rng.random() < 0.6:
                out["opened_at"] = g.ago(minutes=minutes - 30)
            yield out
            reply = email(
                g,
                rep,
                contact,
                sent=g.ago(minutes=minutes - 240),
                incoming=True,
                thread_id=thread,
                in_reply_to=out["id"],
            )
            reply["associations"]["deals"] = deal_ids
            yield reply
            made += 2
            continue
        if kind < 0.55:
            record = call(
                g,
                rep,
                contact,
                started=g.ago(minutes=minutes),
                outcome=g.rng.choice(("Connected", "Left voicemail", "Wrong number")),
                status=g.rng.choice(("completed", "completed", "no_answer", "busy")),
            )
        elif kind < 0.65:
            future = g.rng.random() < 0.3
            day = g.rng.randint(1, 14) if future else -g.rng.randint(8, 60)
            start_hour = g.rng.randint(9, 16)
            record = meeting(
                g,
                rep,
                contact,
                start=g.local(rep, day, start_hour),
                end=g.local(rep, day, start_hour + 1),
                outcome="scheduled"
                if future
                else g.rng.choice(("completed", "completed", "no_show", "canceled")),
            )
        elif kind < 0.75:
            record = {
                "id": g.next_id("a"),
                "type": "note",
                "owner_id": rep.id,
                "created_at": g.ago(minutes=minutes),
                "body": g.rng.choice(words.NOTE_TEXTS),
                "associations": _links([contact["id"]]),
            }
        else:
            day = g.rng.randint(-20, 10)
            done = day < -8 or g.rng.random() < 0.3
            due = g.local(rep, day, g.rng.randint(9, 17))
            record = task(
                g,
                rep,
                contact,
                due=due,
                priority=g.rng.choice(("high", "medium", "medium", "low", "none")),
                status="completed"
                if done
                else g.rng.choice(("not_started", "in_progress", "waiting", "deferred")),
                completed_at=due if done else None,
                created_at=g.ago(days=max(21, -day + 1)),
            )
        record["private"] = private
        record["associations"]["deals"] = deal_ids
        yield record
        made += 1


def rep_activities(g: Generator, rep: Rep, leads: list[Record], deals: list[Record]) -> Iterator[Record]:
    yield from scenarios(g, rep, leads, deals)
    yield from background(g, rep, deals, g.p.background_activities_per_rep)


def rep_events(g: Generator, rep: Rep, leads: list[Record]) -> Iterator[Record]:
    def event(contact: Record, at: str, type_: str | None = None) -> Record:
        kind = type_ or g.rng.choice(words.EVENT_TYPES)
        detail = g.rng.choice(words.PAGES) if kind == "page_view" else None
        return {"id": g.next_id("ev"), "contact_id": contact["id"], "type": kind, "at": at, "detail": detail}

    by_id = {c["id"]: c for c in rep.contacts}
    yield event(
        by_id[leads[1]["contact_id"]], g.ago(days=5), "page_view"
    )  # R03: re-engaged after disqualification
    yield event(by_id[leads[0]["contact_id"]], g.ago(days=1), "form_submission")  # R15
    target = next((c for c in rep.contacts[13:] if g.company_by_id[c["company_id"]]["target_account"]), None)
    if target is not None:
        yield event(target, g.ago(days=2), "page_view")  # R14
    whole = int(g.p.events_per_contact)
    fraction = g.p.events_per_contact - whole
    for contact in rep.contacts[14:]:
        for _ in range(whole + (1 if g.rng.random() < fraction else 0)):
            yield event(contact, g.ago(minutes=g.rng.randint(60 * 24 * 8, 60 * 24 * 364)))
