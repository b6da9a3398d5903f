"""The demo's accounts: companies, contacts, pipelines, sequences, leads, deals and enrollments.

Each rep's first records play the scenarios (world.py names the contact positions); the rest are
background in the profile's proportions. Every function also fills in the reps' books for later
collections to refer to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from crm.demo import vocabulary as words
from crm.demo.profiles import Profile
from crm.demo.world import (
    BUYER,
    DAY,
    DEAL_WRITER,
    ENGAGED_LEAD,
    ENROLLED,
    HOUR,
    LEAD_WRITER,
    NEW_LEAD,
    NEWLY_ASSIGNED,
    POOL,
    QUIET_DEAL,
    REENGAGED,
    TARGET,
    UNOWNED,
    Company,
    DealRef,
    Demo,
    Person,
    Rep,
)

Record = dict[str, Any]
DEAL_PIPELINE = "p1"
LEAD_PIPELINE = "p2"
DEAL_STAGES = (
    ("s1", "Appointment scheduled", "open"),
    ("s2", "Qualified to buy", "open"),
    ("s3", "Presentation scheduled", "open"),
    ("s4", "Decision maker bought-in", "open"),
    ("s5", "Contract sent", "open"),
    ("s6", "Closed won", "won"),
    ("s7", "Closed lost", "lost"),
)
LEAD_STAGES = (
    ("ls1", "New", "open"),
    ("ls2", "Attempting to contact", "open"),
    ("ls3", "Connected", "open"),
    ("ls4", "Qualified", "won"),
    ("ls5", "Disqualified", "lost"),
)
OPEN_DEAL_STAGES = frozenset(s for s, _, state in DEAL_STAGES if state == "open")
# Background stage mixes, cumulative: (stage, share up to here).
DEAL_STAGE_MIX = (
    ("s1", 0.14),
    ("s2", 0.29),
    ("s3", 0.43),
    ("s4", 0.55),
    ("s5", 0.66),
    ("s6", 0.84),
    ("s7", 1),
)
LEAD_STAGE_MIX = (("ls1", 0.25), ("ls2", 0.45), ("ls3", 0.6), ("ls4", 0.75), ("ls5", 1))
CLOSE_DATE_PUSHES = (0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4)  # how often a background deal's close date moved
SCENARIO_DEALS = 5  # every rep's first deals: R18, R17, R10, R19, R16; background work leaves them alone


def _pick(mix: tuple[tuple[str, float], ...], r: float) -> str:
    return next(stage for stage, upto in mix if r < upto)


def pipelines() -> Iterator[Record]:
    for pipeline_id, kind, name, stages in (
        (DEAL_PIPELINE, "deal", "Sales pipeline", DEAL_STAGES),
        (LEAD_PIPELINE, "lead", "Lead pipeline", LEAD_STAGES),
    ):
        yield {
            "id": pipeline_id,
            "object": kind,
            "name": name,
            "stages": [
                {"id": i, "label": label, "order": n + 1, "state": state}
                for n, (i, label, state) in enumerate(stages)
            ],
        }


def sequences() -> Iterator[Record]:
    for n, name in enumerate(words.SEQUENCE_NAMES):
        yield {"id": f"sq{n + 1}", "name": name}


def companies(demo: Demo, profile: Profile) -> Iterator[Record]:
    """Unique names and domains from the word lists; company k belongs to rep k mod reps, and each rep's
    first company is a target account."""
    rng = demo.rng
    names = list(words.COMPANY_WORDS)
    suffixes = list(words.COMPANY_SUFFIXES)
    rng.shuffle(names)
    rng.shuffle(suffixes)
    qualifiers = words.COMPANY_QUALIFIERS
    reps = demo.reps
    count = max(len(reps), round(profile.companies_per_rep * len(reps)))
    for k in range(count):
        # (k mod names, its suffix) is a different pair for every k below names x suffixes.
        a, b = k % len(names), k // len(names)
        suffix = suffixes[(a + b) % len(suffixes)]
        qualifier = qualifiers[(b // len(suffixes)) % len(qualifiers)]
        lap = k // (len(names) * len(suffixes) * len(qualifiers))
        name = " ".join(part for part in (names[a], qualifier, suffix, str(lap + 1) if lap else "") if part)
        owner = reps[k % len(reps)]
        company = Company(
            id=f"co{k + 1}",
            name=name,
            domain=name.lower().replace(" ", "-") + ".test",
            owner_id=owner.id,
            target=k < len(reps) or rng.random() < 0.08,
        )
        owner.companies.append(company)
        yield {
            "id": company.id,
            "name": company.name,
            "domain": company.domain,
            "owner_id": company.owner_id,
            "target_account": company.target,
        }


def contacts(demo: Demo, profile: Profile) -> Iterator[Record]:
    rng = demo.rng
    rand = rng.random
    clock = demo.clock
    used: set[str] = set()
    firsts, lasts = words.FIRST_NAMES, words.LAST_NAMES
    number = 0
    for rep in demo.reps:
        own = rep.companies
        for p in range(profile.contacts_per_rep):
            number += 1
            company = own[0] if p in (TARGET, UNOWNED) else own[p % len(own)]
            first = firsts[int(rand() * len(firsts))]
            last = lasts[int(rand() * len(lasts))]
            local = f"{first}.{last}".lower()
            email = f"{local}@{company.domain}"
            if email in used:
                email = f"{local}{number}@{company.domain}"
            used.add(email)
            if p in NEWLY_ASSIGNED:  # R01: one brand new, two handed over from a colleague
                assigned = (2 * DAY, 9 * DAY, 20 * DAY)[p] + int(rand() * 8 * HOUR)
                created = assigned if p == 0 else assigned + 80 * DAY + int(rand() * 200 * DAY)
                stage = words.LIFECYCLE_STAGES[p]
            else:
                assigned = 31 * DAY + int(rand() * 300 * DAY)
                created = assigned + int(rand() * (364 * DAY - assigned))
                stage = (
                    words.FINAL_LIFECYCLE_STAGES[int(rand() * 3)]
                    if p >= POOL and rand() < 0.12
                    else words.LIFECYCLE_STAGES[int(rand() * len(words.LIFECYCLE_STAGES))]
                )
            person = Person(f"c{number}", first, email, company)
            rep.contacts.append(person)
            owned = p != UNOWNED
            yield {
                "id": person.id,
                "first_name": first,
                "last_name": last,
                "email": email,
                "company_id": company.id,
                "owner_id": rep.id if owned else None,
                "owner_assigned_at": clock.ago(assigned) if owned else None,
                "lifecycle_stage": stage,
                "created_at": clock.ago(created),
            }


def leads(demo: Demo, profile: Profile) -> Iterator[Record]:
    rng = demo.rng
    for rep in demo.reps:
        # (contact position, stage, created days ago, disqualified days ago)
        scenario = [
            (NEW_LEAD, "ls1", 2, None),  # R02
            (LEAD_WRITER, "ls2", 25, None),  # R11
            (ENGAGED_LEAD, "ls3", 50, None),  # R15
            (REENGAGED, "ls5", 90, 40),  # R03
        ]
        for position, stage, created_days, disqualified_days in scenario:
            created = created_days * DAY + 3 * HOUR
            yield _lead(
                demo,
                rep,
                rep.contacts[position],
                stage,
                created,
                created,
                None if disqualified_days is None else disqualified_days * DAY,
            )
        pool = rep.contacts[POOL:]
        for person in rng.sample(pool, min(len(pool), profile.leads_per_rep - len(scenario))):
            stage = _pick(LEAD_STAGE_MIX, rng.random())
            created = HOUR + int(rng.random() * 200 * DAY)
            assigned = created if rng.random() < 0.9 else int(created * rng.random())
            disqualified = max(HOUR, int(created * rng.random())) if stage == "ls5" else None
            yield _lead(demo, rep, person, stage, created, assigned, disqualified)


def _lead(
    demo: Demo, rep: Rep, person: Person, stage: str, created: int, assigned: int, disqualified: int | None
) -> Record:
    """A lead; times are seconds before now."""
    lead_id = demo.new_id("l")
    if stage in ("ls1", "ls2", "ls3"):
        rep.open_lead_of[person.id] = lead_id
    clock = demo.clock
    return {
        "id": lead_id,
        "contact_id": person.id,
        "owner_id": rep.id,
        "owner_assigned_at": clock.ago(assigned),
        "pipeline_id": LEAD_PIPELINE,
        "stage_id": stage,
        "created_at": clock.ago(created),
        "disqualified_at": None if disqualified is None else clock.ago(disqualified),
    }


def deals(demo: Demo, profile: Profile) -> Iterator[Record]:
    rng = demo.rng
    for rep in demo.reps:
        c = rep.contacts
        # (stage, created days ago, contacts, score trend, close date pushes, next steps days ago)
        scenario: list[tuple[str, int, list[Person], int, int, int | None]] = [
            ("s1", 15, [c[POOL]], 0, 0, None),  # R18: first stage, no engagement
            ("s2", 20, [], 1, 0, 18),  # R17: no contact
            ("s3", 60, [c[DEAL_WRITER]], 1, 1, 5),  # R10
            ("s4", 45, [c[BUYER]], -1, 3, 20),  # R19, pushed back three times, score falling
            ("s2", 70, [c[QUIET_DEAL]], -1, 2, 12),  # R16: last call three days ago
        ]
        for stage, days, people, trend, pushes, steps in scenario:
            yield _deal(demo, rep, stage, days * DAY, people, trend, pushes, steps)
        pool = c[POOL:]
        for _ in range(profile.deals_per_rep - SCENARIO_DEALS):
            r = rng.random()
            size = 0 if r < 0.1 else 1 if r < 0.6 else 2 if r < 0.85 else 3
            people = rng.sample(pool, min(size, len(pool)))
            created = 8 * DAY + int(rng.random() * 290 * DAY)
            stage = _pick(DEAL_STAGE_MIX, rng.random())
            trend = rng.choice((-1, 0, 1))
            pushes = CLOSE_DATE_PUSHES[int(rng.random() * len(CLOSE_DATE_PUSHES))]
            steps = None if rng.random() < 0.1 else int(rng.random() * (created / DAY - 1))
            yield _deal(demo, rep, stage, created, people, trend, pushes, steps)


def _deal(
    demo: Demo,
    rep: Rep,
    stage: str,
    created: int,
    people: list[Person],
    trend: int,
    pushes: int,
    steps_days: int | None,
) -> Record:
    """A deal created ``created`` seconds ago with its score and close date histories."""
    rng = demo.rng
    clock = demo.clock
    now = clock.now
    company = people[0].company if people else rep.companies[0]
    deal = DealRef(demo.new_id("d"), stage in OPEN_DEAL_STAGES, people)
    rep.deals.append(deal)
    created_at = now - created
    closed_at = None if deal.open else now - int(rng.random() * min(created - HOUR, 60 * DAY)) - HOUR
    last = closed_at or now
    # The close date starts 30-120 days out and moves later with each push; without pushes an old open
    # deal ends up past its close date.
    close_day = created_at + (30 + int(rng.random() * 90)) * DAY
    close_history = [{"at": clock.iso(created_at), "close_date": clock.date(close_day)}]
    for n in range(pushes):
        at = created_at + (last - created_at) * (n + 1) // (pushes + 1)
        close_day = max(close_day, at) + (14 + int(rng.random() * 31)) * DAY
        close_history.append({"at": clock.iso(at), "close_date": clock.date(close_day)})
    if closed_at is not None:  # closing sets the close date to the day it happened
        close_day = closed_at
        close_history.append({"at": clock.iso(closed_at), "close_date": clock.date(closed_at)})
    steps_at = None if steps_days is None else min(now - steps_days * DAY - 2 * HOUR, last - HOUR)
    points = 1 + min(5, (last - created_at) // (10 * DAY))
    score = 50 + int(rng.random() * 20) - 15 * trend
    scores = []
    for n in range(points):
        scores.append({"at": clock.iso(created_at + (last - created_at) * n // points), "score": score})
        score = max(1, min(99, score + trend * (4 + int(rng.random() * 8)) + int(rng.random() * 7) - 3))
    return {
        "id": deal.id,
        "name": f"{company.name} - {rng.choice(words.DEAL_ITEMS)}",
        "owner_id": rep.id,
        "owner_assigned_at": clock.iso(created_at),
        "pipeline_id": DEAL_PIPELINE,
        "stage_id": stage,
        "amount": (5 + int(rng.random() * 790)) * 500,
        "currency": "USD",
        "close_date": clock.date(close_day),
        "created_at": clock.iso(created_at),
        "closed_at": None if closed_at is None else clock.iso(closed_at),
        "next_steps": None if steps_days is None else rng.choice(words.NEXT_STEPS),
        "next_steps_updated_at": None if steps_at is None else clock.iso(max(created_at, steps_at)),
        "contact_ids": [p.id for p in people],
        "company_id": company.id,
        "score_history": scores,
        "close_date_history": close_history,
    }


def enrollments(demo: Demo, profile: Profile) -> Iterator[Record]:
    rng = demo.rng
    clock = demo.clock
    sequence_count = len(words.SEQUENCE_NAMES)
    for rep in demo.reps:
        pool = rep.contacts[POOL:]
        chosen = [rep.contacts[ENROLLED], *rng.sample(pool, min(len(pool), profile.enrollments_per_rep - 1))]
        for n, person in enumerate(chosen):
            status = (
                "active" if n == 0 else rng.choice(("active", "active", "finished", "paused", "unenrolled"))
            )
            enrollment_id = demo.new_id("e")
            if status == "active":
                rep.enrollments.append((enrollment_id, person))
            yield {
                "id": enrollment_id,
                "sequence_id": f"sq{1 + (rep.number + n) % sequence_count}",
                "contact_id": person.id,
                "user_id": rep.id,
                "enrolled_at": clock.ago((6 if n == 0 else 7 + int(rng.random() * 80)) * DAY),
                "status": status,
            }
